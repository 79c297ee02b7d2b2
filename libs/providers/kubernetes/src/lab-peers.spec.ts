import type { V1Pod } from '@kubernetes/client-node';
import { LabSpec, labNodeNames } from '@labfleet/domain';
import { peerHostsCommand } from './lab-peers';
import { KubeLabContext } from './lab-resource-names';

const ctx = { clusterDomain: 'cluster.local' } as KubeLabContext;
const spec = { labId: 'abc', nodes: labNodeNames(3).map((name) => ({ name, hostname: name })) } as Pick<LabSpec, 'labId' | 'nodes'> as LabSpec;
const pods = ['10.244.0.7', '10.244.0.8', undefined].map((podIP) => ({ status: { podIP } }) as V1Pod);

describe('peerHostsCommand', () => {
  it('names every other node that has an address, by bare name and DNS name, as arguments (never spliced into the script)', () => {
    const [sh, c, script, name, ...lines] = peerHostsCommand(spec, pods, 0, 'labfleet-abc', ctx);
    expect([sh, c, name]).toEqual(['sh', '-c', 'peers']);
    expect(lines).toEqual(['10.244.0.8 node2 node2.lab-abc.labfleet-abc.svc.cluster.local']);
    expect(script).not.toContain('10.244');
    expect(peerHostsCommand(spec, pods, 1, 'labfleet-abc', ctx).slice(4)).toEqual(['10.244.0.7 node1 node1.lab-abc.labfleet-abc.svc.cluster.local']);
  });
});
