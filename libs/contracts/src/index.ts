export * from './lab-status';
export * from './provider-kind';
export * from './role';
export * from './paging';
export * from './template-caps';
export * from './mirror-warmup';
