export * from './chaos-run';
export * from './chaos-report';
export * from './chaos-faults';
export * from './own-postgres';
export * from './own-redis';
export * from './dind-engine';
export * from './seeded-random';
