/** BullMQ queue names. They are Redis key prefixes: never rename one that has shipped. */
export enum QueueName {
  LabLifecycle = 'lab-lifecycle',
  /** Provisions only: its global concurrency caps how many labs are made at once. */
  LabProvision = 'lab-provision',
  Maintenance = 'maintenance',
}
