export * from './docker-client';
export * from './docker.provider';
export * from './lab-resource-names';
export * from './registry-mirror';
export * from './docker-exec';
export * from './lab-container.builder';
export * from './engine-capabilities';
