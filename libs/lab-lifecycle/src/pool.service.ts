import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatus, Role } from '@labfleet/contracts';
import { Caller, canSeeTemplate, ForbiddenError, free, InvalidInputError, LAB_PROVIDER, LabProvider, NotFoundError, notOfferedReason, planPool, Principal, Resources, scheduledDemand } from '@labfleet/domain';
import { AdmissionRepository, AuditRepository, LabRepository, PoolRepository, TemplateEntity, TemplateRepository } from '@labfleet/persistence';
import { JobName, JobPriority, LabJobsService } from '@labfleet/queue';
import { CapacityService } from './capacity.service';

const FAILURES_BEFORE_PAUSE = 3;

export interface PoolStatus {
  readonly template: string;
  readonly minIdle: number;
  readonly maxTotal: number | null;
  /** Idle labs wanted now (the minimum, or the timetable's demand while a class is near). */
  readonly target: number;
  readonly scheduled: number;
  readonly idle: number;
  readonly warming: number;
  readonly claimed: number;
  readonly failedLastDay: number;
}

/**
 * Warm pools: per template, idle labs kept ready so a request is answered from one at once. A
 * pool lab is brand new and, once claimed, never goes back: the refill makes another.
 */
@Injectable()
export class PoolService {
  private readonly logger = new Logger('Pool');

  constructor(
    private readonly pools: PoolRepository,
    private readonly templates: TemplateRepository,
    private readonly labs: LabRepository,
    private readonly admission: AdmissionRepository,
    private readonly capacity: CapacityService,
    private readonly jobs: LabJobsService,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /** Every template's pool; for `viewer`, only the templates they may see (a school admin: not other schools'). */
  async status(viewer?: Principal): Promise<{ pools: PoolStatus[]; capacity: Resources; reserved: Resources; free: Resources; waiting: number }> {
    const [templates, settings, counts, demand, capacity, usage] = await Promise.all([
      this.templates.list(),
      this.pools.settings(),
      this.pools.counts(),
      this.demand(),
      this.capacity.current(),
      this.admission.usage(),
    ]);
    const pools = templates.filter((t) => !viewer || canSeeTemplate(viewer, t)).map((t) => {
      const setting = settings.find((s) => s.templateId === t.id) ?? { minIdle: 0, maxTotal: null };
      const c = counts.get(t.id) ?? { idle: 0, warming: 0, claimed: 0, total: 0, failedLastDay: 0, poolFailedLastMinute: 0, sinceLastClaimSeconds: null };
      const scheduled = demand.get(t.id) ?? 0;
      const { target } = planPool(setting, c, scheduled);
      return { template: t.name, minIdle: setting.minIdle, maxTotal: setting.maxTotal, target, scheduled, idle: c.idle, warming: c.warming, claimed: c.claimed, failedLastDay: c.failedLastDay };
    });
    return { pools, capacity, reserved: usage.reserved, free: free(capacity, usage.reserved), waiting: usage.waiting };
  }

  /** Sets a template's pool; a refill runs at once, so the change shows within seconds. */
  async set(caller: Caller, templateName: string, minIdle: number, maxTotal: number | null): Promise<void> {
    if (caller.principal.role !== Role.PlatformAdmin) throw new ForbiddenError('only platform admins size the pools');
    const template = await this.templates.findByName(templateName);
    if (!template) throw new NotFoundError('template', templateName);
    const refused = minIdle > 0 ? notOfferedReason(template, this.provider) : null;
    if (refused) throw new InvalidInputError(refused);
    if (maxTotal !== null && maxTotal < minIdle) throw new InvalidInputError(`max (${maxTotal}) must be at least min (${minIdle})`);
    await this.jobs.ping();
    await this.pools.upsert(template.id, minIdle, maxTotal, caller.principal.label);
    await this.audit.log(caller, 'pool.changed', { type: 'template', id: template.id, schoolId: null }, { template: templateName, minIdle, maxTotal });
    await this.jobs.platform(JobName.RefillPools);
  }

  /** One pass over every template: make what is missing, retire what is over the target. */
  async refill(): Promise<void> {
    await this.drainStale();
    const [templates, settings, counts, demand] = await Promise.all([this.templates.list(), this.pools.settings(), this.pools.counts(), this.demand()]);
    // A pool set before the installation moved to a backend that cannot make its labs stays empty;
    // a retired template's too.
    for (const template of templates.filter((t) => !t.retiredAt && !notOfferedReason(t, this.provider))) {
      const setting = settings.find((s) => s.templateId === template.id) ?? { minIdle: 0, maxTotal: null };
      const c = counts.get(template.id) ?? { idle: 0, warming: 0, total: 0, poolFailedLastMinute: 0, sinceLastClaimSeconds: null };
      const plan = planPool(setting, c, demand.get(template.id) ?? 0);
      // A backend that fails every lab must not be fed new ones in a loop: pause, the tick retries.
      if (plan.create > 0 && c.poolFailedLastMinute >= FAILURES_BEFORE_PAUSE) {
        this.logger.warn({ msg: 'pool refill paused: its labs keep failing', template: template.name, failedLastMinute: c.poolFailedLastMinute });
      } else if (plan.create > 0) await this.create(template, plan.create);
      if (plan.retire > 0) await this.retire(template, plan.retire);
    }
  }

  private async create(template: TemplateEntity, count: number): Promise<void> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.pool.idleTtlSeconds * 1000);
    const rows = Array.from({ length: count }, () => ({ id: randomUUID(), templateId: template.id, templateVersion: template.version, provider: this.provider.kind, createdAt: now, expiresAt, schoolId: null, courseId: null, ownerId: null }));
    const reserve = { cpus: template.reservedCpus, memoryMb: template.reservedMemoryMb };
    const made = await this.admission.createPoolLabs(rows, reserve, await this.capacity.current());
    for (const id of made) {
      await this.jobs.provision(id, JobPriority.Pool);
      await this.jobs.expireAt(id, expiresAt);
    }
    this.logger.log({ msg: 'pool refilled', template: template.name, wanted: count, made: made.length });
  }

  private async retire(template: TemplateEntity, count: number): Promise<void> {
    for (const id of await this.pools.oldestIdle(template.id, count)) {
      if (await this.labs.transition(id, { to: LabStatus.Stopping, actor: 'pool', detail: { reason: 'pool target shrank' } })) await this.jobs.destroy(id);
    }
    this.logger.log({ msg: 'pool trimmed', template: template.name, retired: count });
  }

  /**
   * Ends idle pool labs no request can get any more (made of an older version of their template,
   * or of a retired one), so the refill replaces them with labs of the current version.
   */
  private async drainStale(): Promise<void> {
    const stale = await this.templates.stalePoolLabs();
    for (const id of stale) {
      if (await this.labs.transition(id, { to: LabStatus.Stopping, actor: 'pool', detail: { reason: 'its template changed or was retired' } })) await this.jobs.destroy(id);
    }
    if (stale.length) this.logger.log({ msg: 'stale pool labs drained', count: stale.length });
  }

  private async demand(): Promise<Map<string, number>> {
    return scheduledDemand(await this.pools.allSlots(), new Date(), this.config.pool.leadMinutes);
  }
}
