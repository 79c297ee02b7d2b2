import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatus, Role } from '@labfleet/contracts';
import {
  actsForSomeoneElse,
  admitLab,
  allInOrder,
  Caller,
  canManageCourse,
  canSeeLab,
  canUseCourse,
  ConflictError,
  Decision,
  ExecResult,
  extendLab,
  InvalidInputError,
  isLive,
  LAB_PROVIDER,
  LabProvider,
  labScopeOf,
  NotFoundError,
  notOfferedReason,
  QuotaExceededError,
  REFILL_QUIET_SECONDS,
  schoolCapRefusal,
  SingleFlight,
  templateVisibilityOf,
  usableInCourse,
} from '@labfleet/domain';
import {
  AdmissionRepository,
  AuditRepository,
  CourseEntity,
  CourseRepository,
  DEFAULT_COURSE_ID,
  LabEntity,
  LabEventEntity,
  LabPage,
  LabRepository,
  SchoolEntity,
  schoolCapsOf,
  SchoolRepository,
  TemplateEntity,
  TemplateRepository,
} from '@labfleet/persistence';
import { LabJobsService, RateLimiter } from '@labfleet/queue';
import { CapacityService } from './capacity.service';
import { LabActivityService } from './lab-activity.service';
import { LabCountersService } from './lab-counters.service';

export interface ExecCommand {
  readonly command: readonly string[];
  readonly node?: string;
  readonly timeoutSeconds?: number;
}

export interface LabRequest {
  readonly template: string;
  /** Required for everyone but platform admins, whose labs default to the default course. */
  readonly course?: string;
  readonly ttlSeconds?: number;
}

export interface LabListFilter {
  readonly statuses?: LabStatus[];
  readonly courseId?: string;
  readonly ownerId?: string;
  readonly limit: number;
  readonly offset: number;
}

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 30;

const decided = <T>(decision: Decision<T>): T => {
  if (!decision.ok) throw new QuotaExceededError(decision.refusal);
  return decision.value;
};

/**
 * What the API does with labs: it records intent and enqueues; only the worker creates or
 * destroys. Every method takes the caller and answers "not found" for labs outside their reach.
 * Reads through the provider (exec) happen after that check, never before.
 */
@Injectable()
export class LabsService {
  // A rush of requests for the same course and template reads each once, and pings the engine once.
  private readonly courseReads = new SingleFlight<CourseEntity | null>();
  private readonly templateReads = new SingleFlight<TemplateEntity | null>();
  private readonly schoolReads = new SingleFlight<SchoolEntity | null>();
  private readonly enginePings = new SingleFlight<void>();

  constructor(
    private readonly labs: LabRepository,
    private readonly admission: AdmissionRepository,
    private readonly capacity: CapacityService,
    private readonly templates: TemplateRepository,
    private readonly courses: CourseRepository,
    private readonly schools: SchoolRepository,
    private readonly jobs: LabJobsService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
    private readonly counters: LabCountersService,
    private readonly activity: LabActivityService,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async create(caller: Caller, request: LabRequest): Promise<LabEntity> {
    const { principal } = caller;
    const limits = this.config.rateLimits;
    // Independent checks run at once: in a classroom rush every round trip is paid by 30 students.
    const courseId = request.course ?? DEFAULT_COURSE_ID;
    const [, course, found, school, , capacity] = await allInOrder([
      this.limiter.consumeAll([
        { key: `labs:address:${caller.ip}`, perMinute: limits.labsPerAddress, what: 'lab requests from this address' },
        { key: `labs:account:${principal.userId ?? principal.label}`, perMinute: limits.labsPerAccount, what: 'lab requests for this account' },
      ]),
      this.courseFor(caller, request.course),
      this.templateReads.run(`${courseId}:${request.template}`, () => this.templates.findForCourse(request.template, courseId)),
      this.schoolReads.run(courseId, () => this.schools.findByCourse(courseId)),
      // A lab accepted while the engine is down would only fail later: say so now.
      this.enginePings.run('', () => this.provider.ping()),
      this.capacity.current(),
    ]);
    const template = await this.usableTemplate(caller, request.template, found, course, school);
    const createdAt = new Date();
    const { lab, via } = await this.admission.createOwned(
      {
        id: randomUUID(),
        templateId: template.id,
        templateVersion: template.version,
        provider: this.provider.kind,
        createdAt,
        schoolId: course.schoolId,
        courseId: course.id,
        ownerId: principal.userId,
        reserve: { cpus: template.reservedCpus, memoryMb: template.reservedMemoryMb },
        courseWide: course.maxConcurrentLabs !== null,
        weeklyBudget: course.weeklyMinutesPerStudent !== null,
      },
      principal.label,
      (state) => new Date(createdAt.getTime() + decided(admitLab(course, { template: template.name, templateTtlSeconds: template.ttlSeconds, ttlSeconds: request.ttlSeconds }, state)) * 1000),
      { capacity, queueMax: this.config.pool.admissionQueueMax },
    );
    try {
      await allInOrder([
        via === 'provision' ? this.jobs.provision(lab.id) : undefined,
        // A claimed lab's idle expiry is replaced by the student's.
        this.jobs.expireAt(lab.id, lab.expiresAt),
        // The pool makes a new one once the rush has passed: until then it would compete with the students.
        via === 'pool' ? this.jobs.refillPoolsAfter(REFILL_QUIET_SECONDS * 1000) : undefined,
      ]);
    } catch (e) {
      // The caller hears 503 and that nothing happened: a new lab's row goes (a job already queued
      // finds none and stops); a claimed pool lab goes back to the pool, its history kept.
      await (via === 'pool' ? this.labs.unclaim(lab.id, principal.label) : this.labs.discard(lab.id));
      throw e;
    }
    // Counted once it is sure to stand (a discarded request is not one); a lab let through the waiting line later counts as cold.
    await this.counters.labRequested(via === 'pool' ? 'pool' : 'cold');
    return lab;
  }

  /** The lab's place among those waiting for capacity, or null. */
  queuePosition(lab: LabEntity): Promise<number | null> {
    return this.admission.queuePosition(lab);
  }

  async get(caller: Caller, id: string): Promise<LabEntity> {
    const lab = await this.labs.findById(id);
    if (!lab || !canSeeLab(caller.principal, lab)) throw new NotFoundError('lab', id);
    return lab;
  }

  list(caller: Caller, filter: LabListFilter): Promise<LabPage> {
    return this.labs.list({ ...filter, scope: labScopeOf(caller.principal) });
  }

  async events(caller: Caller, id: string): Promise<LabEventEntity[]> {
    await this.get(caller, id);
    return this.labs.events(id);
  }

  /** Asks for the lab to end. Idempotent: a lab already ending or ended is returned as it is. */
  async stop(caller: Caller, id: string): Promise<LabEntity> {
    const lab = await this.get(caller, id);
    if (isLive(lab.status)) {
      // Fail before changing anything when the queue is down. Past this point a lost enqueue is
      // caught up by reconcile, which re-queues labs left in `stopping`.
      await this.jobs.ping();
      if (await this.labs.transition(id, { to: LabStatus.Stopping, actor: caller.principal.label })) {
        await this.jobs.destroy(id);
        await this.auditOnBehalf(caller, lab, 'lab.stopped');
      }
    }
    return this.get(caller, id);
  }

  /** Moves the lab's end later: within the course's limits for its owner, freely for its teachers. */
  async extend(caller: Caller, id: string, seconds: number): Promise<LabEntity> {
    const lab = await this.get(caller, id);
    if (!isLive(lab.status)) throw new ConflictError(`lab ${id} is ${lab.status}; only a running lab can be extended`);
    const course = lab.courseId ? await this.courses.findById(lab.courseId) : null;
    if (!course) throw new ConflictError(`lab ${id} belongs to no course`);
    const manager = canManageCourse(caller.principal, course);
    await this.jobs.ping();
    const next = await this.labs.extendWithinQuota(lab, caller.principal.label, (state) => decided(extendLab(course, lab, seconds, state, new Date(), manager)));
    if (!next) throw new ConflictError(`lab ${id} ended meanwhile`);
    await this.jobs.expireAt(id, next);
    this.activity.touch(id);
    await this.auditOnBehalf(caller, lab, 'lab.extended', { seconds, expiresAt: next.toISOString() });
    return this.get(caller, id);
  }

  async exec(caller: Caller, id: string, request: ExecCommand): Promise<ExecResult> {
    const lab = await this.get(caller, id);
    if (lab.status !== LabStatus.Ready) throw new ConflictError(`lab ${id} is ${lab.status}; commands run only in a ready lab`);
    const node = request.node ?? lab.nodes?.[0]?.name ?? 'node1';
    if (!lab.nodes?.some((n) => n.name === node)) {
      throw new InvalidInputError(`node '${node}' is not a node of this lab (nodes: ${lab.nodes?.map((n) => n.name).join(', ')})`);
    }
    await this.auditOnBehalf(caller, lab, 'lab.exec', { node, command: request.command });
    this.activity.touch(id);
    const timeoutMs = (request.timeoutSeconds ?? DEFAULT_EXEC_TIMEOUT_SECONDS) * 1000;
    return this.provider.exec(id, { node, command: request.command, timeoutMs });
  }

  /**
   * The template asked for, if the course may use it, it is not retired, it fits the school's caps
   * (a global template or one saved before a cap was lowered may not), and this installation's
   * backend can make labs of it.
   */
  private async usableTemplate(caller: Caller, name: string, template: TemplateEntity | null, course: CourseEntity, school: SchoolEntity | null): Promise<TemplateEntity> {
    if (!template) {
      const known = (await this.templates.listVisible(templateVisibilityOf(caller.principal), false)).filter((t) => usableInCourse(t, course)).map((t) => t.name);
      throw new InvalidInputError(`unknown template '${name}' (known: ${[...new Set(known)].join(', ')})`);
    }
    if (template.retiredAt) throw new ConflictError(`template '${name}' is retired: it makes no new labs`);
    const overCaps = school && schoolCapRefusal(template, schoolCapsOf(school));
    if (overCaps) throw new QuotaExceededError(overCaps);
    const refused = notOfferedReason(template, this.provider);
    if (refused) throw new InvalidInputError(refused);
    return template;
  }

  /** The course a new lab goes to; a course the caller cannot use does not exist for them. */
  private async courseFor(caller: Caller, requested: string | undefined): Promise<CourseEntity> {
    if (requested === undefined && caller.principal.role !== Role.PlatformAdmin) throw new InvalidInputError('course is required: the id of one of your courses');
    const courseId = requested ?? DEFAULT_COURSE_ID;
    const course = await this.courseReads.run(courseId, () => this.courses.findById(courseId));
    if (!course || !canUseCourse(caller.principal, course)) throw new NotFoundError('course', courseId);
    return course;
  }

  /** Teachers and admins acting on someone else's lab leave a trace. */
  private async auditOnBehalf(caller: Caller, lab: LabEntity, action: string, detail: Record<string, unknown> = {}): Promise<void> {
    if (!actsForSomeoneElse(caller.principal, lab)) return;
    await this.audit.log(caller, action, { type: 'lab', id: lab.id, schoolId: lab.schoolId }, { ownerId: lab.ownerId, ...detail });
  }
}
