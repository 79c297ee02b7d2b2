import { FakeKubeStore, KubeObject } from './fake-kube-store';

export const CLUSTER_DOMAIN = 'cluster.local';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}

function selects(selector: Selector | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector?.matchExpressions?.length) throw new Error('the fake network does not evaluate matchExpressions');
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

/**
 * What the cluster DNS and a NetworkPolicy-enforcing CNI would do, from the objects in the store,
 * following the Kubernetes DNS spec and NetworkPolicy semantics (matchLabels only). No packet
 * is sent: exec in a fake lab asks this whether `ping` would get through.
 */
export class FakeNetwork {
  /** Whether the cluster has DNS (CoreDNS); some have none, and lab nodes must find each other anyway. */
  clusterDns = true;
  /** Each pod's /etc/hosts lines beyond the kubelet's own, by pod uid: name → IP. */
  private readonly hosts = new Map<string, Map<string, string>>();

  constructor(private readonly store: FakeKubeStore) {}

  /** Replaces a pod's extra /etc/hosts lines (`IP name...` each). */
  setHosts(pod: KubeObject, lines: readonly string[]): void {
    const names = new Map<string, string>();
    for (const [ip, ...aliases] of lines.map((l) => l.trim().split(/\s+/))) for (const alias of aliases) names.set(alias, ip);
    this.hosts.set(pod.metadata.uid!, names);
  }

  /**
   * The pod a name resolves to from `from`: its /etc/hosts first, as glibc does, then the cluster
   * DNS with the pod's search list, as its `ndots` option says (5 unless the pod sets it): a name
   * with fewer dots tries the search domains first, one with as many is asked as is first.
   */
  resolve(from: KubeObject, name: string): KubeObject | undefined {
    const ip = this.hosts.get(from.metadata.uid!)?.get(name);
    if (ip) return this.store.list('pods', undefined, null).find((p) => p.status?.podIP === ip);
    if (!this.clusterDns) return undefined;
    const ns = from.metadata.namespace;
    const searches = [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN, ...(from.spec?.dnsConfig?.searches ?? [])];
    const ndots = Number((from.spec?.dnsConfig?.options as { name: string; value?: string }[] | undefined)?.find((o) => o.name === 'ndots')?.value ?? 5);
    const searched = searches.map((s) => `${name}.${s}`);
    const candidates = name.split('.').length - 1 >= ndots ? [name, ...searched] : [...searched, name];
    for (const fqdn of candidates) {
      const pod = this.podRecord(fqdn);
      if (pod) return pod;
    }
    return undefined;
  }

  /** Whether `from` may open a connection to `to` (egress of one and ingress of the other). */
  allows(from: KubeObject, to: KubeObject, port?: number): boolean {
    return this.permits(from, to, 'Egress', port) && this.permits(to, from, 'Ingress', port);
  }

  /** `<hostname>.<subdomain>.<ns>.svc.<domain>`: a pod with that hostname and subdomain, under a headless Service of that name selecting it. */
  private podRecord(fqdn: string): KubeObject | undefined {
    const suffix = `.svc.${CLUSTER_DOMAIN}`;
    if (!fqdn.endsWith(suffix)) return undefined;
    const [hostname, subdomain, namespace, ...rest] = fqdn.slice(0, -suffix.length).split('.');
    if (rest.length || !namespace) return undefined;
    const service = this.store.get('services', namespace, subdomain);
    if (service?.spec?.clusterIP !== 'None') return undefined;
    return this.store
      .list('pods', namespace, null)
      .find(
        (p) =>
          p.spec?.hostname === hostname &&
          p.spec?.subdomain === subdomain &&
          selects({ matchLabels: service.spec.selector }, p.metadata.labels) &&
          (service.spec.publishNotReadyAddresses || p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')),
      );
  }

  private permits(pod: KubeObject, peer: KubeObject, direction: 'Ingress' | 'Egress', port?: number): boolean {
    const policies = this.store
      .list('networkpolicies', pod.metadata.namespace, null)
      .filter((p) => selects(p.spec.podSelector, pod.metadata.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(direction));
    if (policies.length === 0) return true;
    const key = direction === 'Ingress' ? 'from' : 'to';
    return policies.some((policy) =>
      (policy.spec[direction.toLowerCase()] ?? []).some(
        (rule: { from?: Peer[]; to?: Peer[]; ports?: { port?: number }[] }) =>
          (!rule.ports || rule.ports.some((p) => port !== undefined && p.port === port)) &&
          (rule[key] === undefined || rule[key]!.some((p) => this.peerMatches(p, pod, peer))),
      ),
    );
  }

  private peerMatches(peer: Peer, pod: KubeObject, other: KubeObject): boolean {
    if (peer.ipBlock) throw new Error('the fake network does not evaluate ipBlock');
    const namespace = this.store.get('namespaces', undefined, other.metadata.namespace!);
    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespace?.metadata.labels) : other.metadata.namespace === pod.metadata.namespace;
    return nsOk && (peer.podSelector === undefined || selects(peer.podSelector, other.metadata.labels));
  }
}
