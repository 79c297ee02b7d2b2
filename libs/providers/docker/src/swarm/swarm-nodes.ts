import type { Resources } from '@labfleet/domain';

/** What Labfleet reads of a Swarm node (`GET /nodes`). */
export interface SwarmNode {
  readonly id: string;
  readonly hostname: string;
  /** Ready and active: Swarm may place new tasks there. */
  readonly schedulable: boolean;
  readonly state: string;
  readonly message: string;
  /** `tcp://host:port` of the node's own Docker API. */
  readonly engineUrl: string;
  readonly resources: Resources;
  readonly matches: (constraints: readonly string[]) => boolean;
}

/** A node label that overrides where its engine is reached, e.g. `tcp://10.0.0.5:2376`. */
export const ENGINE_URL_LABEL = 'labfleet.engine';

const MIB = 1024 * 1024;

/**
 * The node as Labfleet uses it. Its engine is at the node's Swarm address and `enginePort`, unless
 * the node carries an `labfleet.engine` label. (A manager may report `0.0.0.0` as its address;
 * its manager address is then the right one.)
 */
export function toSwarmNode(raw: any, enginePort: number): SwarmNode {
  const status = raw.Status ?? {};
  const labels: Record<string, string> = raw.Spec?.Labels ?? {};
  const managerAddress = String(raw.ManagerStatus?.Addr ?? '').replace(/:\d+$/, '');
  const address = status.Addr && status.Addr !== '0.0.0.0' ? status.Addr : managerAddress;
  const attributes: Record<string, string> = {
    'node.id': raw.ID,
    'node.hostname': raw.Description?.Hostname ?? '',
    'node.role': raw.Spec?.Role ?? '',
    'node.platform.os': raw.Description?.Platform?.OS ?? '',
    'node.platform.arch': raw.Description?.Platform?.Architecture ?? '',
    ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`node.labels.${k}`, v])),
  };
  return {
    id: raw.ID,
    hostname: raw.Description?.Hostname ?? raw.ID,
    schedulable: status.State === 'ready' && raw.Spec?.Availability === 'active',
    state: `${status.State ?? 'unknown'}${raw.Spec?.Availability && raw.Spec.Availability !== 'active' ? `, ${raw.Spec.Availability}` : ''}`,
    message: status.Message ?? '',
    engineUrl: labels[ENGINE_URL_LABEL] ?? `tcp://${address}:${enginePort}`,
    resources: {
      cpus: (raw.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
      memoryMb: Math.floor((raw.Description?.Resources?.MemoryBytes ?? 0) / MIB),
    },
    matches: (constraints) => constraints.every((c) => satisfies(c, attributes)),
  };
}

/**
 * One Swarm constraint (`node.labels.x==y`, `node.role!=manager`, ...) against a node. Attributes
 * Labfleet does not read (engine labels) are left to Swarm and count as met.
 */
function satisfies(constraint: string, attributes: Record<string, string>): boolean {
  const m = /^\s*([\w.-]+)\s*(==|!=)\s*(.+?)\s*$/.exec(constraint);
  if (!m) return true;
  const [, key, op, expected] = m;
  if (!key.startsWith('node.')) return true;
  const equal = attributes[key] !== undefined && attributes[key].toLowerCase() === expected.toLowerCase();
  return op === '==' ? equal : !equal;
}

/** CPUs and memory of the nodes labs may be placed on now. */
export function schedulableCapacity(nodes: readonly SwarmNode[], constraints: readonly string[]): Resources {
  const usable = nodes.filter((n) => n.schedulable && n.matches(constraints));
  return {
    cpus: usable.reduce((sum, n) => sum + n.resources.cpus, 0),
    memoryMb: usable.reduce((sum, n) => sum + n.resources.memoryMb, 0),
  };
}
