import { Module } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LAB_PROVIDER } from '@labfleet/domain';
import { PersistenceModule } from '@labfleet/persistence';
import { QueueModule } from '@labfleet/queue';
import { HealthService } from './health.service';
import { LabLifecycleService } from './lab-lifecycle.service';
import { createLabProvider } from './lab-provider.factory';
import { LabsService } from './labs.service';
import { ReconcilerService } from './reconciler.service';
import { TemplateCatalogService } from './template-catalog.service';

@Module({
  imports: [PersistenceModule, QueueModule],
  providers: [
    { provide: LAB_PROVIDER, inject: [LabfleetConfig], useFactory: createLabProvider },
    LabsService,
    LabLifecycleService,
    ReconcilerService,
    TemplateCatalogService,
    HealthService,
  ],
  exports: [LAB_PROVIDER, LabsService, LabLifecycleService, ReconcilerService, TemplateCatalogService, HealthService, PersistenceModule, QueueModule],
})
export class LabLifecycleModule {}
