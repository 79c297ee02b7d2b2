import { spawn } from 'node:child_process';
import { LoggedProcess, REPO_ROOT } from './logged-process';

const ENTRY = { api: 'dist/apps/api/src/main.js', worker: 'dist/apps/worker/src/main.js' } as const;

/** A real Labfleet process (API or worker) from the compiled build, as production runs it. */
export class LabfleetProcess extends LoggedProcess {
  static start(kind: keyof typeof ENTRY, name: string, env: Record<string, string>): LabfleetProcess {
    const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', ENTRY[kind]], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, TS_NODE_BASEURL: 'dist', LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LabfleetProcess(name, child);
  }
}
