export * from './job-name.enum';
export * from './job-options';
export * from './lab-jobs.service';
export * from './queue-name.enum';
export * from './queue.module';
export * from './queue.tokens';
export * from './redis-connection';
