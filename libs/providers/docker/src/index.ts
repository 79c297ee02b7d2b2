export * from './docker-client';
export * from './docker.provider';
export * from './lab-resource-names';
export * from './registry-mirror';
