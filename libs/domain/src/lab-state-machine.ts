import { LabStatus } from '@labfleet/contracts';

const TRANSITIONS: Readonly<Record<LabStatus, readonly LabStatus[]>> = {
  [LabStatus.Pending]: [LabStatus.Provisioning, LabStatus.Stopping, LabStatus.Failed],
  [LabStatus.Provisioning]: [LabStatus.Ready, LabStatus.Stopping, LabStatus.Failed],
  [LabStatus.Ready]: [LabStatus.Stopping, LabStatus.Failed],
  [LabStatus.Stopping]: [LabStatus.Stopped],
  [LabStatus.Stopped]: [],
  [LabStatus.Failed]: [],
};

/** States in which a lab holds (or is about to hold) resources on a backend. */
export const LIVE_STATUSES: readonly LabStatus[] = [LabStatus.Pending, LabStatus.Provisioning, LabStatus.Ready];

export const isLive = (status: LabStatus): boolean => LIVE_STATUSES.includes(status);

export const canTransition = (from: LabStatus, to: LabStatus): boolean => TRANSITIONS[from].includes(to);

/** The statuses a lab may be in for a move to `to` to be allowed. */
export const sourcesOf = (to: LabStatus): LabStatus[] =>
  (Object.keys(TRANSITIONS) as LabStatus[]).filter((from) => TRANSITIONS[from].includes(to));
