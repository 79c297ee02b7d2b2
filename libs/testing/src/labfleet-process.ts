import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, from the sources (Jest) or from their compiled copy in dist/ (benchmarks). */
function repositoryRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const ROOT = repositoryRoot(__dirname);
const ENTRY = { api: 'dist/apps/api/src/main.js', worker: 'dist/apps/worker/src/main.js' } as const;

/**
 * A real Labfleet process (API or worker) from the compiled build, as production runs it. Its
 * output goes to test-artifacts/<name>.log so a failing test can be read afterwards.
 */
export class LabfleetProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    const log = createWriteStream(join(ROOT, 'test-artifacts', `${name}.log`));
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (d: Buffer) => {
        this.output += d.toString();
        log.write(d);
      });
    }
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(kind: keyof typeof ENTRY, name: string, env: Record<string, string>): LabfleetProcess {
    const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', ENTRY[kind]], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, TS_NODE_BASEURL: 'dist', LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LabfleetProcess(name, child);
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves when the process has printed `text`; rejects if it exits or takes too long. */
  async waitForLog(text: string | RegExp, timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    const matches = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    while (!matches()) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}) before "${text}":\n${this.output.slice(-2000)}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${this.name} did not print "${text}" within ${timeoutMs} ms:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
