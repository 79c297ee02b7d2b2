import { loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';
import { labSecurityWarnings } from './security-warnings';

const warnings = (env: Record<string, string>) => labSecurityWarnings(loadConfig({ ...REQUIRED_ENV, ...env }));

describe('labSecurityWarnings', () => {
  it('is silent for the defaults and for a sandboxing runtime', () => {
    expect(warnings({})).toEqual([]);
    expect(warnings({ LAB_RUNTIME: 'sysbox-runc' })).toEqual([]);
  });

  it('says that a privileged lab makes its student root on the host', () => {
    expect(warnings({ LAB_SECURITY_PROFILE: 'privileged' })).toEqual([expect.stringContaining('every student is root on the lab hosts')]);
  });

  it('says that uncapped disks let one lab fill the host (not on Kubernetes, where the kubelet caps them)', () => {
    expect(warnings({ LAB_DISK_LIMIT: 'none' })).toEqual([expect.stringContaining('one lab can fill the host')]);
    expect(warnings({ LAB_DISK_LIMIT: 'none', LAB_PROVIDER: 'kubernetes' })).toEqual([]);
  });
});
