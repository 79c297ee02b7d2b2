import type { LabSecurityProfile } from '@labfleet/config';
import { ContractHarness, labProviderContract } from '@labfleet/testing';
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
    harness = {
      provider: setup.provider({ securityProfile }),
      resourcesOf: async (labId) => setup.resourcesOf(labId),
      // A node's pod deleted behind the provider's back (kubectl delete pod --force). The provider
      // learns it from its watch, milliseconds later, not from a call of its own.
      async removeBehindTheBack(labId) {
        for (const pod of setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${labId}`)) setup.fake.store.remove('pods', pod.metadata.namespace, pod.metadata.name);
        await new Promise((r) => setTimeout(r, 500));
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
