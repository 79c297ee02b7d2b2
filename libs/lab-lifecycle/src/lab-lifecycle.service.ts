import { Inject, Injectable, Logger } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { buildLabSpec, isLive, LAB_PROVIDER, LabHandle, LabProvider, LabSpec, LabTemplate, notOfferedReason, ProviderError, renderStep, runSetupPlan, SetupStep, templateAsOf } from '@labfleet/domain';
import { LabEntity, LabRepository, TemplateRepository } from '@labfleet/persistence';
import { JobName, LabActivityStore, LabJobsService } from '@labfleet/queue';
import { EndStatus } from './lab-counters';
import { LabCountersService } from './lab-counters.service';

export interface Attempt {
  /** True when this is the job's last try: a failure now fails the lab. */
  readonly final: boolean;
}

/** Thrown so the queue does not retry: the lab is already marked failed. */
export class LabFailedError extends Error {
  readonly unrecoverable = true;
}

const SETUP_STEP_TIMEOUT_MS = 120_000;
/** How often a lab the cluster has no room for asks again. */
const PLACEMENT_RETRY_MS = 2000;

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The worker's side of a lab's life. Every handler re-reads the lab, acts only from the states
 * it expects, and is safe to run twice.
 */
@Injectable()
export class LabLifecycleService {
  private readonly logger = new Logger('LabLifecycle');

  constructor(
    private readonly labs: LabRepository,
    private readonly templates: TemplateRepository,
    private readonly jobs: LabJobsService,
    private readonly config: LabfleetConfig,
    private readonly counters: LabCountersService,
    private readonly activity: LabActivityStore,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /**
   * Makes the lab. Resolves with `{ waitMs }` while the cluster has no room for it: the lab stays
   * pending with the cluster's reason, and the job asks again after `waitMs`.
   */
  async provision(labId: string, attempt: Attempt): Promise<{ waitMs: number } | void> {
    let lab = await this.labs.findById(labId);
    if (lab?.queuedAt) {
      this.logger.log({ msg: 'provision skipped: waiting for capacity', labId });
      return;
    }
    if (lab?.status !== LabStatus.Pending && lab?.status !== LabStatus.Provisioning) {
      this.logger.log({ msg: 'provision skipped', labId, status: lab?.status ?? 'missing' });
      return;
    }
    const started = Date.now();
    try {
      const owner = lab.schoolId && lab.courseId ? { schoolId: lab.schoolId, courseId: lab.courseId, userId: lab.ownerId } : undefined;
      // A lab asked for before the installation moved to another backend: no retry can make it.
      const template = await this.templateOf(lab);
      const refused = notOfferedReason(template, this.provider);
      if (refused) throw new ProviderError(refused, false);
      const spec = buildLabSpec(labId, template, this.config.provider.labImage, owner);
      if (lab.status === LabStatus.Pending) {
        const waitMs = await this.place(lab, spec);
        if (waitMs !== null) return { waitMs };
        await this.labs.transition(labId, { to: LabStatus.Provisioning, actor: 'worker', patch: { waitReason: null, waitingSince: null } });
        lab = await this.labs.findById(labId);
        if (lab?.status !== LabStatus.Provisioning) return;
      }
      const handle = await this.provider.provision(spec);
      await this.labs.saveNodes(labId, handle.nodes);
      const setupStarted = Date.now();
      await this.runSetup(labId, template.setup ?? [], handle);
      const provisionMs = Date.now() - started;
      const setupMs = Date.now() - setupStarted;
      const moved = await this.labs.transition(labId, {
        to: LabStatus.Ready,
        actor: 'worker',
        patch: { readyAt: new Date(), handle },
        detail: { provisionMs, setupMs },
      });
      if (moved) {
        this.logger.log({ msg: 'lab ready', labId, provisionMs, setupMs });
        await this.counters.labReady(provisionMs);
      } else {
        // Stopped while it was being made: what was just made must not outlive it.
        await this.provider.destroy(labId);
        this.logger.log({ msg: 'lab ended during provisioning; removed', labId });
      }
    } catch (e) {
      if (e instanceof LabFailedError) throw e;
      const retryable = !(e instanceof ProviderError) || e.retryable;
      this.logger.warn({ msg: 'provision attempt failed', labId, error: describe(e), retryable, final: attempt.final });
      if (retryable && !attempt.final) throw e;
      await this.fail(labId, describe(e));
      throw new LabFailedError(describe(e));
    }
  }

  async destroy(labId: string): Promise<void> {
    await this.provider.destroy(labId);
    const moved = await this.labs.transition(labId, { to: LabStatus.Stopped, actor: 'worker', patch: { endedAt: new Date() } });
    if (moved) {
      this.logger.log({ msg: 'lab stopped', labId });
      await this.activity.forget([labId]).catch(() => undefined); // best effort: the keys would expire in 31 days anyway
      await this.countEnd(labId, LabStatus.Stopped);
      await this.freedCapacity();
    }
  }

  async expire(labId: string): Promise<void> {
    const lab = await this.labs.findById(labId);
    if (!lab) return;
    if (isLive(lab.status)) {
      if (lab.expiresAt.getTime() > Date.now() + 1000) {
        await this.jobs.expireAt(labId, lab.expiresAt); // extended since this job was queued
        return;
      }
      await this.labs.transition(labId, { to: LabStatus.Stopping, actor: 'expiry', detail: { expiresAt: lab.expiresAt.toISOString() } });
      this.logger.log({ msg: 'lab expired', labId });
    }
    if ((await this.labs.findById(labId))?.status === LabStatus.Stopping) await this.destroy(labId);
  }

  /**
   * Stops a ready lab nobody used for its course's idle limit, through the same path as a stop asked
   * for in the API: `stopping` (the event's detail says why), then the destroy job (re-queued by
   * reconcile if this enqueue is lost). False when the lab was no longer ready.
   */
  async stopIdle(labId: string, detail: Record<string, unknown>): Promise<boolean> {
    const from = await this.labs.transition(labId, { to: LabStatus.Stopping, from: [LabStatus.Ready], actor: 'idle-culler', detail });
    if (!from) return false;
    this.logger.log({ msg: 'idle lab stopped', labId, ...detail });
    await this.jobs.destroy(labId);
    return true;
  }

  /** Marks a lab failed with a reason a person can read, and removes whatever it had. */
  async fail(labId: string, reason: string, actor = 'worker'): Promise<void> {
    const moved = await this.labs.transition(labId, { to: LabStatus.Failed, actor, patch: { failureReason: reason, endedAt: new Date() } });
    if (moved) {
      this.logger.warn({ msg: 'lab failed', labId, reason });
      await this.activity.forget([labId]).catch(() => undefined);
      await this.countEnd(labId, LabStatus.Failed);
      await this.freedCapacity();
    }
    await this.provider.destroy(labId).catch((e) => this.logger.warn({ msg: 'clean-up of failed lab deferred to reconcile', labId, error: describe(e) }));
  }

  /**
   * Asks a cluster backend for room (Swarm). Returns null once placed, else how long to wait before
   * asking again; a lab that waited `PLACEMENT_TIMEOUT_SECONDS` fails with the cluster's reason.
   */
  private async place(lab: LabEntity, spec: LabSpec): Promise<number | null> {
    if (!this.provider.place) return null;
    const placement = await this.provider.place(spec);
    if (placement.placed) return null;
    const since = lab.waitingSince ?? new Date();
    const timeoutSeconds = this.config.provider.placementTimeoutSeconds;
    if (Date.now() - since.getTime() >= timeoutSeconds * 1000) {
      const reason = `no node of the cluster had room for this lab within ${timeoutSeconds} s: ${placement.reason}`;
      await this.fail(lab.id, reason);
      throw new LabFailedError(reason);
    }
    await this.labs.setWaiting(lab.id, placement.reason, since);
    if (lab.waitReason !== placement.reason) this.logger.log({ msg: 'lab waits for room in the cluster', labId: lab.id, reason: placement.reason });
    return PLACEMENT_RETRY_MS;
  }

  /**
   * The template's set-up steps, before the lab counts as ready: each as soon as the steps it
   * depends on have ended (`setupDependencies`: a node's steps in order, the joins of a swarm at
   * once). A failing step fails the lab (retrying the same script cannot help); steps should be
   * safe to run twice, since a worker that dies half-way runs them again.
   */
  private async runSetup(labId: string, steps: readonly SetupStep[], handle: LabHandle): Promise<void> {
    const values: Record<string, string> = Object.fromEntries(handle.nodes.map((n) => [n.name, n.address ?? n.hostname]));
    await runSetupPlan(steps, handle.nodes.map((n) => n.name), async (i) => {
      const step = steps[i];
      const result = await this.provider.exec(labId, { node: step.node, command: ['sh', '-c', renderStep(step, values)], timeoutMs: SETUP_STEP_TIMEOUT_MS });
      if (result.exitCode !== 0) {
        throw new ProviderError(`set-up step ${i + 1} on ${step.node} failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}): ${(result.stderr || result.stdout).trim().slice(-500)}`, false);
      }
      if (step.capture) values[step.capture] = result.stdout.trim();
    });
  }

  /**
   * Counts the lab's end for /metrics, by its template and whether it was still an unclaimed pool
   * lab. Best effort: the lab has ended whatever happens here.
   */
  private async countEnd(labId: string, status: EndStatus): Promise<void> {
    const lab = await this.labs.findById(labId).catch((e: unknown) => this.logger.warn({ msg: 'lab end not counted', labId, error: describe(e) }));
    if (lab?.template) await this.counters.labEnded({ template: lab.template.name, status, pooled: lab.courseId === null });
  }

  /** Room was freed: let waiting labs through and top the pools up (best effort; the tick catches up). */
  private async freedCapacity(): Promise<void> {
    await this.jobs.platform(JobName.AdmitWaiting).catch(() => undefined);
    await this.jobs.platform(JobName.RefillPools).catch(() => undefined);
  }

  /** The template as it was at the version the lab was asked for: an edit since changes nothing of it. */
  private async templateOf(lab: LabEntity): Promise<LabTemplate> {
    if (!lab.template) throw new ProviderError(`lab ${lab.id} has no template`, false);
    const archived = lab.templateVersion === lab.template.version ? null : await this.templates.definitionAt(lab.templateId, lab.templateVersion);
    const template = templateAsOf(lab.template, lab.templateVersion, archived);
    if (!template) throw new ProviderError(`lab ${lab.id}: version ${lab.templateVersion} of template '${lab.template.name}' is not kept`, false);
    return template;
  }
}
