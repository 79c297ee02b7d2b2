import { LabfleetConfig } from '@labfleet/config';
import { ProviderKind } from '@labfleet/contracts';
import { LabProvider } from '@labfleet/domain';
import { createDockerClient, DockerProvider, SwarmProvider } from '@labfleet/provider-docker';
import { createKubeConfig, KubernetesProvider } from '@labfleet/provider-kubernetes';

/** Picks the backend named by `LAB_PROVIDER`. */
export function createLabProvider(config: LabfleetConfig): LabProvider {
  switch (config.provider.kind) {
    case ProviderKind.Docker:
      return new DockerProvider(createDockerClient(config.provider.dockerHost, config.provider.tlsDir), config);
    case ProviderKind.Kubernetes:
      return new KubernetesProvider(createKubeConfig(config.kubernetes.kubeconfig), config);
    case ProviderKind.Swarm:
      return new SwarmProvider(createDockerClient(config.provider.dockerHost, config.provider.tlsDir), config);
  }
}
