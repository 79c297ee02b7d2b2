import { QueueName } from './queue-name.enum';

/** Every job Labfleet runs. Payloads carry ids only: handlers re-read the database. */
export enum JobName {
  ProvisionLab = 'provision-lab',
  DestroyLab = 'destroy-lab',
  ExpireLab = 'expire-lab',
  Reconcile = 'reconcile',
  /** Tops every template's warm pool up to its target (and trims it when the target shrank). */
  RefillPools = 'refill-pools',
  /** Lets labs waiting for capacity through, in order, while they fit. */
  AdmitWaiting = 'admit-waiting',
  /** Removes the course registry's data of courses that no longer exist. */
  PurgeCourseRegistry = 'purge-course-registry',
  /** Warns, then stops, ready labs idle past their course's limit. */
  CullIdle = 'cull-idle',
  /** Fills the image mirror with a template's images (push mode) after it was made or changed. */
  PrepareTemplateImages = 'prepare-template-images',
}

export interface LabJobPayload {
  readonly labId: string;
}

export interface TemplateJobPayload {
  readonly templateId: string;
}

export type JobPayloads = {
  [JobName.ProvisionLab]: LabJobPayload;
  [JobName.DestroyLab]: LabJobPayload;
  [JobName.ExpireLab]: LabJobPayload;
  [JobName.Reconcile]: Record<string, never>;
  [JobName.RefillPools]: Record<string, never>;
  [JobName.AdmitWaiting]: Record<string, never>;
  [JobName.PurgeCourseRegistry]: Record<string, never>;
  [JobName.CullIdle]: Record<string, never>;
  [JobName.PrepareTemplateImages]: TemplateJobPayload;
};

export const JOB_QUEUE: Readonly<Record<JobName, QueueName>> = {
  [JobName.ProvisionLab]: QueueName.LabProvision,
  [JobName.DestroyLab]: QueueName.LabLifecycle,
  [JobName.ExpireLab]: QueueName.LabLifecycle,
  [JobName.Reconcile]: QueueName.Maintenance,
  [JobName.RefillPools]: QueueName.Maintenance,
  [JobName.AdmitWaiting]: QueueName.Maintenance,
  [JobName.PurgeCourseRegistry]: QueueName.Maintenance,
  [JobName.CullIdle]: QueueName.Maintenance,
  [JobName.PrepareTemplateImages]: QueueName.Maintenance,
};
