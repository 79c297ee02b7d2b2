export * from './errors';
export * from './lab-provider.port';
export * from './lab-spec.builder';
export * from './lab-state-machine';
export * from './lab-template';
export * from './reconcile-plan';
export * from './with-timeout';
