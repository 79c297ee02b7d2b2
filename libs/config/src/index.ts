export * from './labfleet-config';
export * from './load-config';
export * from './config.module';
export * from './logger';
export * from './security-warnings';
