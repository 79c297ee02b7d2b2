export * from './data-source-options';
export * from './entities';
export * from './persistence.module';
export * from './repositories/lab.repository';
export * from './repositories/template.repository';
export * from './run-migrations';
