import { LabfleetConfig } from '@labfleet/config';
import { ProviderKind } from '@labfleet/contracts';
import { LabProvider } from '@labfleet/domain';
import { createDockerClient, DockerProvider } from '@labfleet/provider-docker';
import { createKubeConfig, KubernetesProvider } from '@labfleet/provider-kubernetes';

/** Picks the backend named by `LAB_PROVIDER`; a backend this build lacks stops the process at boot. */
export function createLabProvider(config: LabfleetConfig): LabProvider {
  switch (config.provider.kind) {
    case ProviderKind.Docker:
      return new DockerProvider(createDockerClient(config.provider.dockerHost), config);
    case ProviderKind.Kubernetes:
      return new KubernetesProvider(createKubeConfig(config.kubernetes.kubeconfig), config);
    case ProviderKind.Swarm:
      throw new Error(`LAB_PROVIDER=${config.provider.kind} is not available in this version of Labfleet; use docker or kubernetes`);
  }
}
