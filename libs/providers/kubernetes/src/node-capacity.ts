import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Resources } from '@labfleet/domain';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/**
 * A Kubernetes quantity (`"3920m"`, `"16Gi"`, `"7901560Ki"`, `"1e3"`, `"2"`) in base units
 * (cores, bytes). Throws on anything else, so a malformed answer is never read as 0.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const m = QUANTITY.exec(quantity.trim());
  if (!m) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  const [, number, exponent, binary, decimal] = m;
  if (exponent) return Number(`${number}${exponent}`);
  return Number(number) * (binary ? BINARY[binary] : DECIMAL[decimal ?? '']);
}

/** Taints a pod without tolerations (lab pods have none) cannot be scheduled past. */
const BLOCKING_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

/**
 * Whether lab pods can land on the node: Ready, not cordoned, no NoSchedule/NoExecute taint
 * (control-plane nodes usually have one), and Linux when the node says its OS.
 */
export function takesLabs(node: V1Node): boolean {
  if (node.spec?.unschedulable) return false;
  if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
  if (node.spec?.taints?.some((t) => BLOCKING_EFFECTS.has(t.effect))) return false;
  const os = node.metadata?.labels?.['kubernetes.io/os'];
  return os === undefined || os === 'linux';
}

const requested = (resources: { requests?: Record<string, string> } | undefined, name: string): number => parseQuantity(resources?.requests?.[name] ?? '0');

/**
 * What the scheduler counts a pod as using: the sum of its containers' requests or its largest
 * init container's, whichever is more, plus the runtime class's overhead.
 */
export function podRequests(pod: V1Pod): Resources {
  const of = (name: string) => {
    const main = (pod.spec?.containers ?? []).reduce((sum, c) => sum + requested(c.resources, name), 0);
    const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map((c) => requested(c.resources, name)));
    return Math.max(main, init) + parseQuantity(pod.spec?.overhead?.[name] ?? '0');
  };
  return { cpus: of('cpu'), memoryMb: of('memory') / 2 ** 20 };
}

/**
 * What labs can have of the cluster: the allocatable CPU and memory of the nodes that take labs,
 * less what the other pods placed on them request (the platform itself, students' own
 * deployments, anything else). Labs' own pods are left out: admission counts them itself.
 */
export function labCapacity(nodes: readonly V1Node[], pods: readonly V1Pod[], isLab: (pod: V1Pod) => boolean): Resources {
  const labNodes = nodes.filter(takesLabs);
  const names = new Set(labNodes.map((n) => n.metadata?.name));
  let cpus = 0;
  let memoryMb = 0;
  for (const node of labNodes) {
    cpus += parseQuantity(node.status?.allocatable?.cpu ?? '0');
    memoryMb += parseQuantity(node.status?.allocatable?.memory ?? '0') / 2 ** 20;
  }
  for (const pod of pods) {
    if (isLab(pod) || !names.has(pod.spec?.nodeName) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const used = podRequests(pod);
    cpus -= used.cpus;
    memoryMb -= used.memoryMb;
  }
  return { cpus: Math.max(0, Math.round(cpus * 1000) / 1000), memoryMb: Math.max(0, Math.floor(memoryMb)) };
}
