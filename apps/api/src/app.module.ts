import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ConfigModule, LabfleetConfig } from '@labfleet/config';
import { LabLifecycleModule } from '@labfleet/lab-lifecycle';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { DomainExceptionFilter } from './errors/domain-exception.filter';
import { HealthController } from './health/health.controller';
import { LabsController } from './labs/labs.controller';
import { TemplateSeeder } from './templates/template.seeder';
import { TemplatesController } from './templates/templates.controller';

@Module({})
export class AppModule {
  static forRoot(config: LabfleetConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), LabLifecycleModule],
      controllers: [LabsController, TemplatesController, HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AdminTokenGuard },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        TemplateSeeder,
      ],
    };
  }
}
