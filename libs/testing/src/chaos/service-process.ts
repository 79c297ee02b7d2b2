import { spawn, SpawnOptions } from 'node:child_process';
import { LoggedProcess } from '../logged-process';

/**
 * A service the chaos run owns (its Redis, its Postgres), started as the leader of a process group
 * of its own: `kill()` SIGKILLs the whole group at once, as the kernel's OOM killer or a dying
 * container would, so no half of it (a Postgres backend) survives the "crash".
 */
export class ServiceProcess extends LoggedProcess {
  static start(name: string, command: string, args: readonly string[], options: Pick<SpawnOptions, 'uid' | 'gid' | 'cwd'> = {}): ServiceProcess {
    const child = spawn(command, args, { ...options, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return new ServiceProcess(name, child);
  }

  /** SIGKILL to every process of the group; resolves once the leader has exited. */
  async kill(): Promise<void> {
    this.signalGroup('SIGKILL');
    await this.waitForExit();
  }

  override async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (!this.running) {
      this.signalGroup('SIGKILL'); // children of a leader that died alone
      return;
    }
    this.signalGroup(signal);
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.waitForExit();
    clearTimeout(timer);
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
