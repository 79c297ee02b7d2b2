import { engineSupportsDiskQuota } from './engine-capabilities';

describe('engineSupportsDiskQuota', () => {
  it('is true only for overlay2 on xfs', () => {
    expect(engineSupportsDiskQuota({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'xfs']] })).toBe(true);
    expect(engineSupportsDiskQuota({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs']] })).toBe(false);
    expect(engineSupportsDiskQuota({ Driver: 'vfs' })).toBe(false);
  });
});
