import { LabStatus } from '@labfleet/contracts';
import { isLive } from './lab-state-machine';
import { LabRuntime } from './lab-provider.port';

export interface ReconcileLab {
  readonly id: string;
  readonly status: LabStatus;
  /** When the lab last changed state: young pending/provisioning labs are left to their job. */
  readonly updatedAt: Date;
  /** Set while the lab waits for capacity: it has no job to re-queue yet. */
  readonly queuedAt?: Date | null;
}

export type ReconcileAction =
  | { readonly kind: 'adopt'; readonly labId: string }
  | { readonly kind: 'remove-orphan'; readonly labId: string }
  | { readonly kind: 'mark-failed'; readonly labId: string; readonly reason: string }
  | { readonly kind: 'requeue-provision'; readonly labId: string }
  | { readonly kind: 'requeue-destroy'; readonly labId: string };

/**
 * Compares what Postgres says with what the backend runs. `labs` are the rows that are not
 * terminal plus any row a runtime points at; `runtimes` maps every lab id the backend has
 * resources for to its state.
 */
export function planReconcile(
  labs: readonly ReconcileLab[],
  runtimes: ReadonlyMap<string, LabRuntime>,
  now: Date,
  graceMs: number,
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const byId = new Map(labs.map((lab) => [lab.id, lab]));
  for (const labId of runtimes.keys()) {
    const lab = byId.get(labId);
    if (!lab || !isLive(lab.status)) {
      if (lab?.status !== LabStatus.Stopping) actions.push({ kind: 'remove-orphan', labId });
    }
  }
  for (const lab of labs) {
    const runtime = runtimes.get(lab.id) ?? { state: 'gone' as const };
    const settled = now.getTime() - lab.updatedAt.getTime() > graceMs;
    switch (lab.status) {
      case LabStatus.Ready:
        if (runtime.state === 'running') actions.push({ kind: 'adopt', labId: lab.id });
        else actions.push({ kind: 'mark-failed', labId: lab.id, reason: runtime.reason ?? describeLoss(runtime.state) });
        break;
      case LabStatus.Pending:
      case LabStatus.Provisioning:
        if (settled && !lab.queuedAt) actions.push({ kind: 'requeue-provision', labId: lab.id });
        break;
      case LabStatus.Stopping:
        if (settled) actions.push({ kind: 'requeue-destroy', labId: lab.id });
        break;
      case LabStatus.Stopped:
      case LabStatus.Failed:
        break;
    }
  }
  return actions;
}

const describeLoss = (state: LabRuntime['state']): string =>
  state === 'gone' ? 'the lab container disappeared' : 'the lab container stopped unexpectedly';
