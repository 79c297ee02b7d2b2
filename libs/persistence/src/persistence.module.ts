import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LabfleetConfig } from '@labfleet/config';
import { dataSourceOptions } from './data-source-options';
import { AdmissionRepository } from './repositories/admission.repository';
import { AuditRepository } from './repositories/audit.repository';
import { CourseRepository } from './repositories/course.repository';
import { IdleLabRepository } from './repositories/idle-lab.repository';
import { ExerciseRepository } from './repositories/exercise.repository';
import { LabStatsRepository } from './repositories/lab-stats.repository';
import { LabRepository } from './repositories/lab.repository';
import { PoolRepository } from './repositories/pool.repository';
import { RegistryKeyRepository } from './repositories/registry-key.repository';
import { SchoolRepository } from './repositories/school.repository';
import { TemplateRepository } from './repositories/template.repository';
import { TokenRepository } from './repositories/token.repository';
import { UserRepository } from './repositories/user.repository';

const REPOSITORIES = [
  LabRepository,
  LabStatsRepository,
  IdleLabRepository,
  AdmissionRepository,
  PoolRepository,
  TemplateRepository,
  SchoolRepository,
  UserRepository,
  CourseRepository,
  TokenRepository,
  AuditRepository,
  RegistryKeyRepository,
  ExerciseRepository,
];

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [LabfleetConfig],
      useFactory: (config: LabfleetConfig) => ({ ...dataSourceOptions(config.database.url), retryAttempts: 30, retryDelay: 1000 }),
    }),
  ],
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class PersistenceModule {}
