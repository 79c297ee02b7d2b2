import { randomBytes } from 'node:crypto';
import { docker, LabfleetStack, removeLabResources } from '@labfleet/testing';
import { cleanUpOnSignal, describe } from './bench-kit';

/** Thrown by `throwIfStopping` once the run is interrupted. */
class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/**
 * What every benchmark run shares: its Labfleet stacks (any number) and an instance label for the
 * containers it makes beside them, a clean-up that runs once (at the end, or on Ctrl-C), and the
 * most labs of other installations seen on the engine meanwhile (they skew the timings).
 */
export class BenchRun {
  readonly errors: string[] = [];
  readonly bareInstance = `bench-${randomBytes(4).toString('hex')}`;
  /** The stacks started by `startStack`, in the order they came up; the clean-up stops them all. */
  readonly stacks: LabfleetStack[] = [];
  foreignMax = 0;
  private readonly starting = new Set<Promise<LabfleetStack>>();
  private cleaned: Promise<void> | undefined;

  /**
   * `beforeCleanup` releases what the run holds open (timers, sockets) before the stacks stop;
   * `afterCleanup` removes what the stacks' processes wrote outside them, once they have stopped.
   */
  constructor(
    private readonly beforeCleanup: () => void = () => undefined,
    private readonly afterCleanup: () => void = () => undefined,
  ) {
    cleanUpOnSignal(() => this.cleanup());
  }

  /**
   * Starts a stack (`LabfleetStack.start`) that the clean-up stops; one still starting when the
   * clean-up begins (Ctrl-C) is waited for, then stopped too.
   */
  async startStack(...args: Parameters<typeof LabfleetStack.start>): Promise<LabfleetStack> {
    this.throwIfStopping();
    const starting = LabfleetStack.start(...args);
    this.starting.add(starting);
    try {
      const stack = await starting;
      this.stacks.push(stack);
      return stack;
    } finally {
      this.starting.delete(starting);
    }
  }

  /** Whether the clean-up has begun (Ctrl-C): the body should stop at its next `throwIfStopping`. */
  get stopping(): boolean {
    return this.cleaned !== undefined;
  }

  /** Ends the body (quietly: `main` answers 130) once the clean-up has begun, so it reports nothing half-measured. */
  throwIfStopping(): void {
    if (this.stopping) throw new Interrupted();
  }

  /** The stacks' instance labels, for the clean-up line. */
  describeStacks(): string {
    return this.stacks.length ? `stack${this.stacks.length > 1 ? 's' : ''} ${this.stacks.map((s) => s.instance.instance).join(', ')}` : 'no stack';
  }

  async noteForeign(): Promise<void> {
    const mine = [this.bareInstance, ...this.stacks.map((s) => s.instance.instance)];
    const labs = await docker.listContainers({ filters: { label: ['labfleet.role=lab'] } }).catch(() => []);
    this.foreignMax = Math.max(this.foreignMax, labs.filter((c) => !mine.includes(c.Labels['labfleet.instance'])).length);
  }

  /** The closing lines of a report: whether other installations' labs skewed the run, and the errors. */
  async printOutcome(): Promise<void> {
    await this.noteForeign();
    console.log(
      this.foreignMax
        ? `WARNING: up to ${this.foreignMax} lab container(s) of other installations were running on this engine during the run: timings are skewed`
        : 'no other Labfleet labs were running on this engine during the run',
    );
    console.log(this.errors.length ? `ERRORS (${this.errors.length}):\n  ${this.errors.join('\n  ')}` : 'errors: none');
  }

  cleanup(): Promise<void> {
    return (this.cleaned ??= (async () => {
      this.beforeCleanup();
      // A stack still starting is pushed onto `stacks` before this wait ends (its await was first).
      await Promise.allSettled([...this.starting]);
      await Promise.all(this.stacks.map((s) => s.stop().catch((e) => console.warn(`stack ${s.instance.instance}: stop failed: ${describe(e)}`))));
      await removeLabResources(this.bareInstance).catch((e) => console.warn(`bare clean-up failed: ${describe(e)}`));
      this.afterCleanup();
    })());
  }

  /** Runs the benchmark's body: an error is printed and exits 1; the clean-up always runs, after `leaving` is printed. */
  async main(body: () => Promise<number>, leaving: () => string): Promise<number> {
    try {
      return await body();
    } catch (e) {
      if (e instanceof Interrupted) return 130;
      console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return 1;
    } finally {
      console.log(`cleaning up: ${leaving()}`);
      await this.cleanup();
    }
  }
}
