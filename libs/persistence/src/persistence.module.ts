import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LabfleetConfig } from '@labfleet/config';
import { dataSourceOptions } from './data-source-options';
import { LabRepository } from './repositories/lab.repository';
import { TemplateRepository } from './repositories/template.repository';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [LabfleetConfig],
      useFactory: (config: LabfleetConfig) => ({ ...dataSourceOptions(config.database.url), retryAttempts: 30, retryDelay: 1000 }),
    }),
  ],
  providers: [LabRepository, TemplateRepository],
  exports: [LabRepository, TemplateRepository],
})
export class PersistenceModule {}
