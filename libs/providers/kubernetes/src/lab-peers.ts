import type { V1Pod } from '@kubernetes/client-node';
import type { LabSpec } from '@labfleet/domain';
import type { KubeLabContext } from './lab-resource-names';
import { labSearchDomain } from './lab-service.builder';

/** Marks the lines Labfleet owns in a node's /etc/hosts, so writing them again replaces them. */
export const PEER_MARK = '# labfleet peer';

/**
 * Rewrites /etc/hosts with the given lines (its own earlier ones dropped). In place, with `cat >`:
 * in a plain DinD pod the file is the kubelet's bind mount, which cannot be replaced by a rename.
 */
const WRITE_PEERS = `{ grep -v '${PEER_MARK}$' /etc/hosts; for line; do echo "$line ${PEER_MARK}"; done; } >/tmp/.labfleet-hosts && cat /tmp/.labfleet-hosts >/etc/hosts && rm -f /tmp/.labfleet-hosts`;

/**
 * The command that gives one node of a multi-node lab its peers in /etc/hosts: every other node
 * by its bare name and its DNS name, at its pod IP. The nodes then find each other without cluster
 * DNS (a cluster may have none, or a slow one) and without a lookup; pod IPs do not change for the
 * lab's life (its pods are never restarted).
 */
export function peerHostsCommand(spec: LabSpec, pods: readonly V1Pod[], self: number, namespace: string, ctx: KubeLabContext): string[] {
  const domain = labSearchDomain(spec.labId, namespace, ctx);
  const lines = spec.nodes.flatMap((node, i) => (i === self || !pods[i].status?.podIP ? [] : [`${pods[i].status!.podIP} ${node.hostname} ${node.hostname}.${domain}`]));
  return ['sh', '-c', WRITE_PEERS, 'peers', ...lines];
}
