import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { LabStatus } from '@labfleet/contracts';
import { Caller, ConflictError, ForbiddenError, InvalidInputError, LAB_PROVIDER, LabProvider, NotFoundError, TerminalSession, UnauthenticatedError } from '@labfleet/domain';
import { AuditRepository, LabEntity, LabRepository } from '@labfleet/persistence';
import { EphemeralStore } from '@labfleet/queue';
import { LabActivityService } from './lab-activity.service';
import { LabsService } from './labs.service';

const TICKET_SECONDS = 30;

interface Ticket {
  readonly labId: string;
  readonly node: string;
  readonly readOnly: boolean;
}

/**
 * The shell is a tmux session inside the lab node: closing the tab ends only the tmux client, so
 * coming back (or a second tab) attaches to the same shell with its scrollback, for as long as
 * the lab lives. Read-only viewers attach with `-r`.
 */
export function tmuxCommand(readOnly: boolean): string[] {
  const ensure = 'tmux -u has-session -t lab 2>/dev/null || tmux -u new-session -d -s lab -x 120 -y 40 "bash -l" \\; set -g status off \\; set -g history-limit 10000';
  return ['sh', '-c', `${ensure}; exec tmux -u attach${readOnly ? ' -r' : ''} -t lab`];
}

/** Who may open a lab's terminal: its owner (read-write) and its course's teachers (read-only). */
@Injectable()
export class LabTerminalService {
  constructor(
    private readonly labs: LabsService,
    private readonly repository: LabRepository,
    private readonly store: EphemeralStore,
    private readonly audit: AuditRepository,
    private readonly activity: LabActivityService,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /** A one-time ticket (30 s) for the terminal WebSocket: browsers cannot send headers there. */
  async ticket(caller: Caller, labId: string, request: { node?: string; readOnly?: boolean }): Promise<Ticket & { ticket: string; expiresIn: number }> {
    const lab = await this.labs.get(caller, labId);
    const owner = caller.principal.userId !== null && lab.ownerId === caller.principal.userId;
    const teacher = lab.courseId !== null && caller.principal.teaching.includes(lab.courseId);
    if (!owner && !teacher) throw new ForbiddenError("only the lab's owner and its course's teachers can open its terminal");
    const node = this.nodeOf(lab, request.node);
    const grant: Ticket = { labId, node, readOnly: !owner || request.readOnly === true };
    const ticket = randomBytes(24).toString('base64url');
    await this.store.put(`terminal:${ticket}`, grant, TICKET_SECONDS);
    if (!owner) await this.audit.log(caller, 'lab.terminal-watched', { type: 'lab', id: labId, schoolId: lab.schoolId }, { ownerId: lab.ownerId, node });
    return { ...grant, ticket, expiresIn: TICKET_SECONDS };
  }

  /** Redeems a ticket (once) and attaches to the lab's shell. Call `typed` on each input: it counts as the lab's use. */
  async open(labId: string, ticket: string, size: { cols: number; rows: number }): Promise<{ session: TerminalSession; readOnly: boolean; typed: () => void }> {
    const grant = await this.store.take<Ticket>(`terminal:${ticket}`);
    if (!grant || grant.labId !== labId) throw new UnauthenticatedError('terminal ticket unknown, used or expired; ask for a new one');
    const lab = await this.repository.findById(labId);
    if (!lab) throw new NotFoundError('lab', labId);
    this.nodeOf(lab, grant.node);
    const session = await this.provider.attach(labId, { node: grant.node, command: tmuxCommand(grant.readOnly), ...size });
    return { session, readOnly: grant.readOnly, typed: () => this.activity.touch(labId) };
  }

  private nodeOf(lab: LabEntity, requested?: string): string {
    if (lab.status !== LabStatus.Ready) throw new ConflictError(`lab ${lab.id} is ${lab.status}; its terminal opens when it is ready`);
    const node = requested ?? lab.nodes?.[0]?.name ?? 'node1';
    if (!lab.nodes?.some((n) => n.name === node)) throw new InvalidInputError(`node '${node}' is not a node of this lab (nodes: ${lab.nodes?.map((n) => n.name).join(', ')})`);
    return node;
  }
}
