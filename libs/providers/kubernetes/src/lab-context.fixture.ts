import type { KubeLabContext } from './lab-resource-names';

/** The builders' context in unit tests: installation `test`, a namespace per lab, confined, no mirror. */
export const TEST_LAB_CONTEXT: KubeLabContext = {
  instance: 'test',
  namespaceMode: 'lab',
  namespacePrefix: 'labfleet',
  platformNamespace: 'labfleet',
  securityProfile: 'confined',
  runtimeClass: null,
  seccompProfile: null,
  registryMirrorUrl: null,
  clusterDomain: 'cluster.local',
};
