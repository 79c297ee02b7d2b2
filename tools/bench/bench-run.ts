import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { LabfleetStack, removeLabResources } from '@labfleet/testing';
import { cleanUpOnSignal, describe } from './bench-kit';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/**
 * What every benchmark run shares: its Labfleet stack and an instance label for the containers it
 * makes beside it, a clean-up that runs once (at the end, or on Ctrl-C), and the most labs of
 * other installations seen on the engine meanwhile (they skew the timings).
 */
export class BenchRun {
  readonly errors: string[] = [];
  readonly bareInstance = `bench-${randomBytes(4).toString('hex')}`;
  stack: LabfleetStack | undefined;
  foreignMax = 0;
  private cleaned: Promise<void> | undefined;

  /** `beforeCleanup` releases what the run holds open (timers, sockets) before the stack stops. */
  constructor(private readonly beforeCleanup: () => void = () => undefined) {
    cleanUpOnSignal(() => this.cleanup());
  }

  async noteForeign(): Promise<void> {
    const mine = [this.bareInstance, this.stack?.instance.instance];
    const labs = await docker.listContainers({ filters: { label: ['labfleet.role=lab'] } }).catch(() => []);
    this.foreignMax = Math.max(this.foreignMax, labs.filter((c) => !mine.includes(c.Labels['labfleet.instance'])).length);
  }

  cleanup(): Promise<void> {
    return (this.cleaned ??= (async () => {
      this.beforeCleanup();
      await this.stack?.stop().catch((e) => console.warn(`stack.stop failed: ${describe(e)}`));
      await removeLabResources(this.bareInstance).catch((e) => console.warn(`bare clean-up failed: ${describe(e)}`));
    })());
  }

  /** Runs the benchmark's body: an error is printed and exits 1; the clean-up always runs, after `leaving` is printed. */
  async main(body: () => Promise<number>, leaving: () => string): Promise<number> {
    try {
      return await body();
    } catch (e) {
      console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return 1;
    } finally {
      console.log(`cleaning up: ${leaving()}`);
      await this.cleanup();
    }
  }
}
