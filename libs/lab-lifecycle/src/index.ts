export * from './health.service';
export * from './lab-lifecycle.module';
export * from './lab-lifecycle.service';
export * from './lab-provider.factory';
export * from './labs.service';
export * from './reconciler.service';
export * from './template-catalog.service';
