export * from './api-client';
export * from './labfleet-process';
export * from './labfleet-stack';
export * from './test-database';
export * from './test-instance';
export * from './lab-provider.contract';
export * from './cuttable-proxy';
