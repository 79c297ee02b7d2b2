import { LabStatus } from '@labfleet/contracts';
import { canTransition, isLive, sourcesOf } from './lab-state-machine';

describe('lab state machine', () => {
  it('walks the happy path', () => {
    expect(canTransition(LabStatus.Pending, LabStatus.Provisioning)).toBe(true);
    expect(canTransition(LabStatus.Provisioning, LabStatus.Ready)).toBe(true);
    expect(canTransition(LabStatus.Ready, LabStatus.Stopping)).toBe(true);
    expect(canTransition(LabStatus.Stopping, LabStatus.Stopped)).toBe(true);
  });

  it('fails only from the first three states', () => {
    expect(sourcesOf(LabStatus.Failed).sort()).toEqual([LabStatus.Pending, LabStatus.Provisioning, LabStatus.Ready].sort());
  });

  it('never leaves a terminal state', () => {
    for (const to of Object.values(LabStatus)) {
      expect(canTransition(LabStatus.Stopped, to)).toBe(false);
      expect(canTransition(LabStatus.Failed, to)).toBe(false);
    }
  });

  it('never goes backwards', () => {
    expect(canTransition(LabStatus.Ready, LabStatus.Provisioning)).toBe(false);
    expect(canTransition(LabStatus.Stopping, LabStatus.Ready)).toBe(false);
  });

  it('knows which labs hold resources', () => {
    expect(isLive(LabStatus.Ready)).toBe(true);
    expect(isLive(LabStatus.Stopping)).toBe(false);
  });
});
