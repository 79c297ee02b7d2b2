import { DynamicModule, Global, Module } from '@nestjs/common';
import { LabfleetConfig } from './labfleet-config';

/** Makes the config loaded at boot injectable as `LabfleetConfig`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: LabfleetConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: LabfleetConfig, useValue: config }], exports: [LabfleetConfig] };
  }
}
