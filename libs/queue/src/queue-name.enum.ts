/** BullMQ queue names. They are Redis key prefixes: never rename one that has shipped. */
export enum QueueName {
  LabLifecycle = 'lab-lifecycle',
  Maintenance = 'maintenance',
}
