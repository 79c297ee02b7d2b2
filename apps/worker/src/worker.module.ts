import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, LabfleetConfig } from '@labfleet/config';
import { LabLifecycleModule } from '@labfleet/lab-lifecycle';
import { LabWorkersService } from './lab-workers.service';

@Module({})
export class WorkerModule {
  static forRoot(config: LabfleetConfig): DynamicModule {
    return { module: WorkerModule, imports: [ConfigModule.forRoot(config), LabLifecycleModule], providers: [LabWorkersService] };
  }
}
