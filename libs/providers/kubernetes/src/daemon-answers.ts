import type { V1Pod } from '@kubernetes/client-node';
import { isRunning } from './pod-status';

/**
 * Asks each lab pod, once it runs, whether its Docker daemon answers (one exec of the domain's
 * LAB_READY_COMMAND, which polls every 50 ms): a lab is ready when its daemons answer, not at the
 * readiness probe's next tick (every 2 s), which would add up to 2 s to every lab and more to a
 * multi-node one. The probe stays, for the pod's own Ready condition.
 */
export class DaemonAnswers {
  private readonly asked = new Set<string>();
  private readonly answered = new Set<string>();

  constructor(
    private readonly ask: (pod: V1Pod) => Promise<boolean>,
    /** Called when a daemon answered: the caller looks at its pods again. */
    private readonly changed: () => void,
  ) {}

  /** Whether the pod's daemon has answered; the first time the pod is seen running, starts asking. */
  has(pod: V1Pod): boolean {
    const uid = pod.metadata!.uid!;
    if (!this.asked.has(uid) && isRunning(pod)) {
      this.asked.add(uid);
      this.ask(pod).then(
        (ok) => {
          if (!ok) return;
          this.answered.add(uid);
          this.changed();
        },
        // The exec failed (the pod went away, the connection broke): the probe still decides.
        () => undefined,
      );
    }
    return this.answered.has(uid);
  }
}
