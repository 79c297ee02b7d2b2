import { QueueName } from './queue-name.enum';

/** Every job Labfleet runs. Payloads carry ids only: handlers re-read the database. */
export enum JobName {
  ProvisionLab = 'provision-lab',
  DestroyLab = 'destroy-lab',
  ExpireLab = 'expire-lab',
  Reconcile = 'reconcile',
}

export interface LabJobPayload {
  readonly labId: string;
}

export type JobPayloads = {
  [JobName.ProvisionLab]: LabJobPayload;
  [JobName.DestroyLab]: LabJobPayload;
  [JobName.ExpireLab]: LabJobPayload;
  [JobName.Reconcile]: Record<string, never>;
};

export const JOB_QUEUE: Readonly<Record<JobName, QueueName>> = {
  [JobName.ProvisionLab]: QueueName.LabLifecycle,
  [JobName.DestroyLab]: QueueName.LabLifecycle,
  [JobName.ExpireLab]: QueueName.LabLifecycle,
  [JobName.Reconcile]: QueueName.Maintenance,
};
