import { ProviderKind } from '@labfleet/contracts';
import { notOfferedReason } from './template-offer';

const kubernetes = { pods: 20, cpus: 2, memoryMb: 2048 };

describe('notOfferedReason', () => {
  it('refuses a student Kubernetes namespace where the backend has no cluster to give', () => {
    expect(notOfferedReason({ name: 'kubernetes', kubernetes }, { kind: ProviderKind.Swarm })).toBe(
      "template 'kubernetes' gives each student a Kubernetes namespace of their own, which only LAB_PROVIDER=kubernetes offers; this installation runs labs on swarm",
    );
  });

  it('offers it on Kubernetes, and Docker-only templates everywhere', () => {
    expect(notOfferedReason({ name: 'kubernetes', kubernetes }, { kind: ProviderKind.Kubernetes, offers: { studentKubernetes: true } })).toBeNull();
    expect(notOfferedReason({ name: 'docker', kubernetes: null }, { kind: ProviderKind.Docker })).toBeNull();
  });
});
