/** The backends a lab can run on (`LAB_PROVIDER`). */
export enum ProviderKind {
  Docker = 'docker',
  Swarm = 'swarm',
  Kubernetes = 'kubernetes',
}
