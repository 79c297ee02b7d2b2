/** A port a container in the lab publishes on its node. */
export interface PublishedPort {
  readonly node: string;
  readonly port: number;
  /** The container's own port behind it. */
  readonly target: number;
  readonly protocol: 'tcp' | 'udp';
  readonly container: string;
}

/**
 * Reads `docker ps --format '{{.Names}}\t{{.Ports}}'` output from a lab node: one entry per
 * published host port (IPv4 and IPv6 bindings of the same port count once).
 */
export function parsePublishedPorts(node: string, output: string): PublishedPort[] {
  const ports = new Map<string, PublishedPort>();
  for (const line of output.split('\n')) {
    const [container, mappings = ''] = line.split('\t');
    for (const mapping of mappings.split(',')) {
      const m = /:(\d+)->(\d+)\/(tcp|udp)/.exec(mapping.trim());
      if (!m) continue;
      const port: PublishedPort = { node, port: Number(m[1]), target: Number(m[2]), protocol: m[3] as 'tcp' | 'udp', container: container.trim() };
      ports.set(`${port.port}/${port.protocol}`, port);
    }
  }
  return [...ports.values()].sort((a, b) => a.port - b.port);
}
