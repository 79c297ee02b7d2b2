import { Injectable, Logger } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { decideIdle, IdleDecision, IdleLab } from '@labfleet/domain';
import { IdleCandidate, IdleLabRepository } from '@labfleet/persistence';
import { LabActivityStore } from '@labfleet/queue';
import { LabLifecycleService } from './lab-lifecycle.service';

export const IDLE_ACTOR = 'idle-culler';

/**
 * The worker's idle pass (every `IDLE_CHECK_SECONDS`), as JupyterHub's idle culler: a ready lab of
 * a course with an idle limit whose last activity is that old is warned (an `idle-warned` event;
 * the page shows it), then stopped through the normal stop path (`idle-stopped`), so its minutes
 * stop counting and its seat frees up.
 */
@Injectable()
export class IdleCullerService {
  private readonly logger = new Logger('IdleCuller');

  constructor(
    private readonly idleLabs: IdleLabRepository,
    private readonly activity: LabActivityStore,
    private readonly lifecycle: LabLifecycleService,
    private readonly config: LabfleetConfig,
  ) {}

  async run(): Promise<{ checked: number; warned: number; stopped: number }> {
    const candidates = await this.idleLabs.candidates();
    const activity = await this.activity.read(candidates.map((c) => c.labId));
    let warned = 0;
    let stopped = 0;
    for (const candidate of candidates) {
      const decision = this.decide(candidate, activity.get(candidate.labId));
      if (decision.kind === 'warn' && (await this.warn(candidate, decision))) warned += 1;
      if (decision.kind === 'stop' && (await this.stop(candidate))) stopped += 1;
    }
    if (warned + stopped > 0) this.logger.log({ msg: 'idle pass', checked: candidates.length, warned, stopped });
    return { checked: candidates.length, warned, stopped };
  }

  private decide(candidate: IdleCandidate, activity?: Pick<IdleLab, 'lastActivityAt' | 'warnedAt'>): IdleDecision {
    const lab: IdleLab = { ...candidate, lastActivityAt: activity?.lastActivityAt ?? null, warnedAt: activity?.warnedAt ?? null };
    return decideIdle(lab, new Date(), this.config.idle.warningSeconds);
  }

  private async warn(candidate: IdleCandidate, decision: Extract<IdleDecision, { kind: 'warn' }>): Promise<boolean> {
    const now = new Date();
    const detail = { action: 'idle-warned', idleSeconds: Math.round(decision.idleSeconds), limitSeconds: candidate.limitSeconds, stopAt: decision.stopAt.toISOString() };
    if (!(await this.idleLabs.recordWarning(candidate.labId, IDLE_ACTOR, detail))) return false;
    await this.activity.markWarned(candidate.labId, now);
    this.logger.log({ msg: 'idle lab warned', labId: candidate.labId, ...detail });
    return true;
  }

  private async stop(candidate: IdleCandidate): Promise<boolean> {
    // Asked again for this one lab: a student who came back since the pass began keeps the lab.
    const decision = this.decide(candidate, (await this.activity.read([candidate.labId])).get(candidate.labId));
    if (decision.kind !== 'stop') return false;
    const idleSeconds = Math.round(decision.idleSeconds);
    const reason = `no terminal input, command, file transfer or port traffic for ${idleSeconds} s (the course's idle limit is ${candidate.limitSeconds} s)`;
    return this.lifecycle.stopIdle(candidate.labId, {
      action: 'idle-stopped',
      reason,
      idleSeconds,
      limitSeconds: candidate.limitSeconds,
      lastActivityAt: decision.lastActivityAt.toISOString(),
      warnedAt: decision.warnedAt.toISOString(),
    });
  }
}
