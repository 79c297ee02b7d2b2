/** Where a lab is in its life. Stored as text in `labs.status`: never rename a value. */
export enum LabStatus {
  Pending = 'pending',
  Provisioning = 'provisioning',
  Ready = 'ready',
  Stopping = 'stopping',
  Stopped = 'stopped',
  Failed = 'failed',
}

export const LAB_STATUSES: readonly LabStatus[] = Object.values(LabStatus);
