import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '@labfleet/accounts';
import { ConfigModule, LabfleetConfig } from '@labfleet/config';
import { LabLifecycleModule } from '@labfleet/lab-lifecycle';
import { SchoolsController } from './accounts/schools.controller';
import { UsersController } from './accounts/users.controller';
import { AuditController } from './audit/audit.controller';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { LabBrowserController } from './browser/lab-browser.controller';
import { CourseMembersController } from './courses/course-members.controller';
import { CoursesController } from './courses/courses.controller';
import { TimetableController } from './courses/timetable.controller';
import { DomainExceptionFilter } from './errors/domain-exception.filter';
import { ExercisesController } from './exercises/exercises.controller';
import { LabExercisesController } from './exercises/lab-exercises.controller';
import { PacksController } from './exercises/packs.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { LabsController } from './labs/labs.controller';
import { MeController } from './me/me.controller';
import { PoolsController } from './pools/pools.controller';
import { RegistryTokenController } from './registry/registry-token.controller';
import { TemplateSeeder } from './templates/template.seeder';
import { TemplatesController } from './templates/templates.controller';

@Module({})
export class AppModule {
  static forRoot(config: LabfleetConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), LabLifecycleModule, AccountsModule],
      controllers: [
        AuthController,
        MeController,
        SchoolsController,
        UsersController,
        CoursesController,
        CourseMembersController,
        TimetableController,
        RegistryTokenController,
        PoolsController,
        AuditController,
        LabsController,
        LabBrowserController,
        TemplatesController,
        ExercisesController,
        LabExercisesController,
        PacksController,
        HealthController,
        MetricsController,
      ],
      providers: [
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        TemplateSeeder,
      ],
    };
  }
}
