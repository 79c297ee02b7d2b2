import { loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

const base = REQUIRED_ENV;

describe('loadConfig: Kubernetes settings', () => {
  it('has defaults: a namespace per lab, no runtime class, no mirror', () => {
    expect(loadConfig({ ...base, LAB_PROVIDER: 'kubernetes' }).kubernetes).toEqual({
      kubeconfig: undefined,
      namespaceMode: 'lab',
      namespacePrefix: 'labfleet',
      platformNamespace: 'labfleet',
      runtimeClass: null,
      seccompProfile: null,
      registryMirrorUrl: null,
      clusterDomain: 'cluster.local',
      studentApiServer: 'https://kubernetes.default.svc',
    });
  });

  it('reads them all', () => {
    const config = loadConfig({
      ...base,
      LAB_PROVIDER: 'kubernetes',
      KUBECONFIG: '/etc/labfleet/kubeconfig',
      KUBE_NAMESPACE_MODE: 'course',
      KUBE_NAMESPACE_PREFIX: 'school-labs',
      KUBE_PLATFORM_NAMESPACE: 'edu-platform',
      KUBE_RUNTIME_CLASS: 'sysbox-runc',
      KUBE_REGISTRY_MIRROR_URL: 'http://mirror.edu-platform.svc:5000',
      KUBE_CLUSTER_DOMAIN: 'k8s.school.example',
      KUBE_STUDENT_API_SERVER: 'https://10.0.0.1:6443',
    });
    expect(config.kubernetes).toEqual({
      kubeconfig: '/etc/labfleet/kubeconfig',
      namespaceMode: 'course',
      namespacePrefix: 'school-labs',
      platformNamespace: 'edu-platform',
      runtimeClass: 'sysbox-runc',
      seccompProfile: null,
      registryMirrorUrl: 'http://mirror.edu-platform.svc:5000',
      clusterDomain: 'k8s.school.example',
      studentApiServer: 'https://10.0.0.1:6443',
    });
  });

  it('names every bad Kubernetes variable, but only with LAB_PROVIDER=kubernetes', () => {
    const bad = { KUBE_NAMESPACE_MODE: 'school', KUBE_NAMESPACE_PREFIX: 'a-prefix-much-too-long-for-63', KUBE_REGISTRY_MIRROR_URL: 'mirror:5000', KUBE_RUNTIME_CLASS: 'Sysbox!', KUBE_STUDENT_API_SERVER: 'http://kubernetes' };
    expect(() => loadConfig({ ...base, ...bad })).not.toThrow();
    try {
      loadConfig({ ...base, LAB_PROVIDER: 'kubernetes', ...bad });
      throw new Error('expected a ConfigError');
    } catch (e) {
      for (const name of Object.keys(bad)) expect((e as Error).message).toContain(name);
    }
  });
});
