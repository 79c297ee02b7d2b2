import { Injectable, Logger } from '@nestjs/common';
import { AdmissionRepository } from '@labfleet/persistence';
import { JobPriority, LabJobsService } from '@labfleet/queue';
import { CapacityService } from './capacity.service';

/** Lets labs that wait for capacity through, in order, when labs end and on every pool tick. */
@Injectable()
export class AdmissionService {
  private readonly logger = new Logger('Admission');

  constructor(
    private readonly admission: AdmissionRepository,
    private readonly capacity: CapacityService,
    private readonly jobs: LabJobsService,
  ) {}

  async admitWaiting(): Promise<number> {
    const admitted = await this.admission.admitWaiting(await this.capacity.current());
    for (const id of admitted) await this.jobs.provision(id, JobPriority.Student);
    if (admitted.length) this.logger.log({ msg: 'waiting labs admitted', count: admitted.length });
    return admitted.length;
  }
}
