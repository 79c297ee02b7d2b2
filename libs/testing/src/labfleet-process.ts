import { spawn } from 'node:child_process';
import { LoggedProcess, REPO_ROOT } from './logged-process';

const ENTRY = { api: 'dist/apps/api/src/main.js', worker: 'dist/apps/worker/src/main.js' } as const;

/** A real Labfleet process (API or worker) from the compiled build, as `npm run start:*` runs it. */
export class LabfleetProcess extends LoggedProcess {
  static start(kind: keyof typeof ENTRY, name: string, env: Record<string, string>): LabfleetProcess {
    const child = spawn(process.execPath, [ENTRY[kind]], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LabfleetProcess(name, child);
  }
}

/**
 * `npm run <script>` from the repository root, word for word as the README runs Labfleet without
 * Compose. It leads a process group of its own, so stopping it stops npm's shell and node too.
 */
export class NpmScriptProcess extends LoggedProcess {
  static start(script: 'migrate' | 'start:api' | 'start:worker', name: string, env: Record<string, string>): NpmScriptProcess {
    const child = spawn('npm', ['run', script], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new NpmScriptProcess(name, child);
  }

  override async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.signalGroup(signal);
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.waitForExit();
    clearTimeout(timer);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
