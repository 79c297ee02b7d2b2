import type { LabSecurityProfile } from '@labfleet/config';
import { ContractHarness, eventually, labProviderContract } from '@labfleet/testing';
import { FakeKubeSetup, LAB_IMAGE } from './fake-kube-setup';

let setup: FakeKubeSetup;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
  // Room for every lab the suite makes at once, both profiles, as a small real node has.
  setup.nodeWithRoom({ cpus: 4, memoryMb: 8 * 1024 });
});
afterAll(() => setup.stop());

/** The contract, for labs of one security profile. */
function contractOf(securityProfile: LabSecurityProfile): void {
  let harness: ContractHarness;
  beforeAll(() => {
    const provider = setup.provider({ securityProfile });
    harness = {
      provider,
      resourcesOf: async (labId) => setup.resourcesOf(labId),
      // A node's pod deleted behind the provider's back (kubectl delete pod --force). The provider
      // learns it from its watch, milliseconds later, not from a call of its own: wait for that
      // (the lab no longer running), and leave what it then reports to the contract.
      async removeBehindTheBack(labId) {
        for (const pod of setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${labId}`)) setup.fake.store.remove('pods', pod.metadata.namespace, pod.metadata.name);
        await eventually(async () => expect((await provider.inspect(labId)).state).not.toBe('running'), { timeoutMs: 5000, what: 'the watch to see the pods gone' });
      },
    };
  });
  labProviderContract(() => harness, LAB_IMAGE[securityProfile]);
}

describe('KubernetesProvider against a fake Kubernetes API server, not a cluster (LabProvider contract)', () => {
  contractOf('confined');
});

describe('KubernetesProvider against a fake Kubernetes API server, not a cluster (LabProvider contract, privileged profile)', () => {
  contractOf('privileged');
});
