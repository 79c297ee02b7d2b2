import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LabStatus } from '@labfleet/contracts';
import { ConflictError, expiresAt, InvalidInputError, isLive, LAB_PROVIDER, LabProvider, NotFoundError, ExecResult } from '@labfleet/domain';
import { LabEntity, LabEventEntity, LabPage, LabRepository, TemplateRepository } from '@labfleet/persistence';
import { LabJobsService } from '@labfleet/queue';

export interface ExecCommand {
  readonly command: readonly string[];
  readonly node?: string;
  readonly timeoutSeconds?: number;
}

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 30;

/**
 * What the API does with labs: it records intent and enqueues; only the worker creates or
 * destroys. Reads through the provider (exec) happen after the lab is found, never before.
 */
@Injectable()
export class LabsService {
  constructor(
    private readonly labs: LabRepository,
    private readonly templates: TemplateRepository,
    private readonly jobs: LabJobsService,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async create(templateName: string, actor: string): Promise<LabEntity> {
    const template = await this.templates.findByName(templateName);
    if (!template) {
      const known = (await this.templates.list()).map((t) => t.name).join(', ');
      throw new InvalidInputError(`unknown template '${templateName}' (known: ${known})`);
    }
    // A lab accepted while the engine is down would only fail later: say so now.
    await this.provider.ping();
    const now = new Date();
    const lab = await this.labs.create(
      { id: randomUUID(), templateId: template.id, provider: this.provider.kind, createdAt: now, expiresAt: expiresAt(now, template.ttlSeconds) },
      actor,
    );
    try {
      await this.jobs.provision(lab.id);
      await this.jobs.expireAt(lab.id, lab.expiresAt);
    } catch (e) {
      // The caller hears 503 and that nothing happened; a job already queued finds no row and stops.
      await this.labs.discard(lab.id);
      throw e;
    }
    return lab;
  }

  async get(id: string): Promise<LabEntity> {
    const lab = await this.labs.findById(id);
    if (!lab) throw new NotFoundError('lab', id);
    return lab;
  }

  list(filter: { statuses?: LabStatus[]; limit: number; offset: number }): Promise<LabPage> {
    return this.labs.list(filter);
  }

  async events(id: string): Promise<LabEventEntity[]> {
    await this.get(id);
    return this.labs.events(id);
  }

  /** Asks for the lab to end. Idempotent: a lab already ending or ended is returned as it is. */
  async stop(id: string, actor: string): Promise<LabEntity> {
    const lab = await this.get(id);
    if (isLive(lab.status)) {
      // Fail before changing anything when the queue is down. Past this point a lost enqueue is
      // caught up by reconcile, which re-queues labs left in `stopping`.
      await this.jobs.ping();
      if (await this.labs.transition(id, { to: LabStatus.Stopping, actor })) await this.jobs.destroy(id);
    }
    return this.get(id);
  }

  async exec(id: string, request: ExecCommand): Promise<ExecResult> {
    const lab = await this.get(id);
    if (lab.status !== LabStatus.Ready) throw new ConflictError(`lab ${id} is ${lab.status}; commands run only in a ready lab`);
    const node = request.node ?? lab.nodes?.[0]?.name ?? 'node1';
    if (!lab.nodes?.some((n) => n.name === node)) {
      throw new InvalidInputError(`node '${node}' is not a node of this lab (nodes: ${lab.nodes?.map((n) => n.name).join(', ')})`);
    }
    const timeoutMs = (request.timeoutSeconds ?? DEFAULT_EXEC_TIMEOUT_SECONDS) * 1000;
    return this.provider.exec(id, { node, command: request.command, timeoutMs });
  }
}
