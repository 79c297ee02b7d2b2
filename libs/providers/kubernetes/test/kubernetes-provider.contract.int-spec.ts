import { labProviderContract } from '@labfleet/testing';
import { FakeKubeSetup } from './fake-kube-setup';

let setup: FakeKubeSetup;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
});
afterAll(() => setup.stop());

describe('KubernetesProvider against a fake Kubernetes API server, not a cluster (LabProvider contract)', () => {
  let provider: ReturnType<FakeKubeSetup['provider']>;
  beforeAll(() => {
    provider = setup.provider();
  });

  labProviderContract(
    () => ({
      provider,
      resourcesOf: async (labId) => setup.resourcesOf(labId),
      // A node's pod deleted behind the provider's back (kubectl delete pod --force). The provider
      // learns it from its watch, milliseconds later, not from a call of its own.
      async removeBehindTheBack(labId) {
        for (const pod of setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${labId}`)) setup.fake.store.remove('pods', pod.metadata.namespace, pod.metadata.name);
        await new Promise((r) => setTimeout(r, 500));
      },
    }),
    'labfleet/lab:latest',
  );
});
