import { loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig({ ...REQUIRED_ENV, ...env });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig: how labs are confined', () => {
  it('confines labs by default, with the confined lab image and capped disks', () => {
    const { provider } = loadConfig(REQUIRED_ENV);
    expect(provider).toMatchObject({
      securityProfile: 'confined',
      runtime: null,
      labImage: 'labfleet/lab:latest',
      disk: { limit: 'image', dir: '/var/lib/labfleet/disks' },
    });
  });

  it('runs privileged labs only when asked to, from the plain DinD image', () => {
    expect(loadConfig({ ...REQUIRED_ENV, LAB_SECURITY_PROFILE: 'privileged' }).provider).toMatchObject({ securityProfile: 'privileged', labImage: 'labfleet/lab-dind:latest' });
    expect(loadConfig({ ...REQUIRED_ENV, LAB_SECURITY_PROFILE: 'privileged', LAB_IMAGE: 'school/dind:1' }).provider.labImage).toBe('school/dind:1');
  });

  it("takes the confined pods' seccomp profile on Kubernetes", () => {
    expect(loadConfig({ ...REQUIRED_ENV, LAB_PROVIDER: 'kubernetes', KUBE_LAB_SECCOMP_PROFILE: 'labfleet/labfleet-lab.json' }).kubernetes.seccompProfile).toBe('labfleet/labfleet-lab.json');
  });

  it('a sandboxing runtime, once named, is the profile (Docker runtime, or Kubernetes RuntimeClass)', () => {
    expect(loadConfig({ ...REQUIRED_ENV, LAB_RUNTIME: 'sysbox-runc' }).provider).toMatchObject({ securityProfile: 'runtime', runtime: 'sysbox-runc', labImage: 'labfleet/lab-dind:latest' });
    const kube = loadConfig({ ...REQUIRED_ENV, LAB_PROVIDER: 'kubernetes', KUBE_RUNTIME_CLASS: 'kata' });
    expect(kube.provider.securityProfile).toBe('runtime');
    expect(kube.kubernetes.runtimeClass).toBe('kata');
  });

  it('names what does not fit together', () => {
    expect(problems({ LAB_SECURITY_PROFILE: 'runtime' })).toContain('LAB_SECURITY_PROFILE=runtime needs LAB_RUNTIME');
    expect(problems({ LAB_SECURITY_PROFILE: 'runtime', LAB_PROVIDER: 'kubernetes' })).toContain('needs KUBE_RUNTIME_CLASS');
    expect(problems({ LAB_SECURITY_PROFILE: 'privileged', LAB_RUNTIME: 'runsc' })).toContain('LAB_RUNTIME is used only with LAB_SECURITY_PROFILE=runtime');
    expect(problems({ LAB_SECURITY_PROFILE: 'capabilities' })).toContain('LAB_SECURITY_PROFILE must be confined, privileged or runtime');
    expect(problems({ LAB_DISK_DIR: 'relative/dir', LAB_DISK_LIMIT: 'quota' })).toMatch(/LAB_DISK_DIR must be an absolute path[\s\S]*LAB_DISK_LIMIT must be image or none/);
    const kube = { LAB_PROVIDER: 'kubernetes' };
    expect(problems({ ...kube, KUBE_LAB_SECCOMP_PROFILE: '../etc/profile.json' })).toContain('KUBE_LAB_SECCOMP_PROFILE must be a path below the kubelet seccomp directory');
    expect(problems({ ...kube, KUBE_LAB_SECCOMP_PROFILE: '/abs.json' })).toContain('KUBE_LAB_SECCOMP_PROFILE must be a path below');
    expect(problems({ ...kube, LAB_SECURITY_PROFILE: 'privileged', KUBE_LAB_SECCOMP_PROFILE: 'labfleet/labfleet-lab.json' })).toContain('KUBE_LAB_SECCOMP_PROFILE is used only with LAB_SECURITY_PROFILE=confined');
  });
});
