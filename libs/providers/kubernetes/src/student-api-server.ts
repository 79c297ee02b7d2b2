import type { V1Endpoints } from '@kubernetes/client-node';
import { isIP } from 'node:net';

/** An address and port the API server answers on, as NetworkPolicy matches it. */
export interface ApiServerAddress {
  readonly ip: string;
  readonly port: number;
}

/** `KUBE_STUDENT_API_SERVER` when it names an address (`https://10.0.0.1:6443`); null when it names a host. */
export function apiServerAddressOf(url: string): ApiServerAddress | null {
  const { hostname, port } = new URL(url);
  const ip = hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(ip) ? { ip, port: port ? Number(port) : 443 } : null;
}

/**
 * Where the `kubernetes` Service of `default` leads (its Endpoints, kept by the API servers
 * themselves): what a kubectl that dials `https://kubernetes.default.svc` reaches once the
 * Service address is translated, which is what NetworkPolicy sees.
 */
export function apiServerEndpoints(endpoints: V1Endpoints): ApiServerAddress[] {
  return (endpoints.subsets ?? []).flatMap((subset) =>
    (subset.addresses ?? []).flatMap((a) => (subset.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => ({ ip: a.ip, port: p.port }))),
  );
}
