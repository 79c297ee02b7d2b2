import { Module } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LAB_PROVIDER } from '@labfleet/domain';
import { PersistenceModule } from '@labfleet/persistence';
import { QueueModule } from '@labfleet/queue';
import { AdmissionService } from './admission.service';
import { CapacityService } from './capacity.service';
import { CourseRegistryService } from './course-registry.service';
import { LabCountersService } from './lab-counters.service';
import { HealthService } from './health.service';
import { IdleCullerService } from './idle-culler.service';
import { LabActivityService } from './lab-activity.service';
import { LabLifecycleService } from './lab-lifecycle.service';
import { createLabProvider } from './lab-provider.factory';
import { LabFilesService } from './lab-files.service';
import { LabPortsService } from './lab-ports.service';
import { LabTerminalService } from './lab-terminal.service';
import { LabsService } from './labs.service';
import { MetricsService } from './metrics.service';
import { MirrorWarmupService } from './mirror-warmup.service';
import { PoolService } from './pool.service';
import { ReconcilerService } from './reconciler.service';
import { TemplateCatalogService } from './template-catalog.service';
import { TemplatesService } from './templates.service';
import { BuiltInPacks } from './exercises/built-in-packs';
import { ExerciseChecksService } from './exercises/exercise-checks.service';
import { ExercisesService } from './exercises/exercises.service';

@Module({
  imports: [PersistenceModule, QueueModule],
  providers: [
    { provide: LAB_PROVIDER, inject: [LabfleetConfig], useFactory: createLabProvider },
    LabsService,
    CapacityService,
    AdmissionService,
    PoolService,
    MetricsService,
    LabCountersService,
    LabTerminalService,
    LabFilesService,
    LabPortsService,
    LabLifecycleService,
    ReconcilerService,
    TemplateCatalogService,
    TemplatesService,
    HealthService,
    CourseRegistryService,
    IdleCullerService,
    LabActivityService,
    ExercisesService,
    ExerciseChecksService,
    BuiltInPacks,
    MirrorWarmupService,
  ],
  exports: [LAB_PROVIDER, LabsService, CapacityService, AdmissionService, PoolService, MetricsService, LabCountersService, LabTerminalService, LabFilesService, LabPortsService, LabLifecycleService, ReconcilerService, TemplateCatalogService, TemplatesService, HealthService, CourseRegistryService, IdleCullerService, LabActivityService, ExercisesService, ExerciseChecksService, BuiltInPacks, MirrorWarmupService, PersistenceModule, QueueModule],
})
export class LabLifecycleModule {}
