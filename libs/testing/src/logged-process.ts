import { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the workspace's, not a lib's package), from the sources or their build. */
function repositoryRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package-lock.json'))) dir = dirname(dir);
  return dir;
}

export const REPO_ROOT = repositoryRoot(__dirname);

/**
 * A child process a test started, its output kept in memory and in test-artifacts/<name>.log, so a
 * failing test can be read afterwards.
 */
export class LoggedProcess {
  private output = '';
  private readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    protected readonly child: ChildProcess,
  ) {
    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    const log = createWriteStream(join(REPO_ROOT, 'test-artifacts', `${name}.log`), { flags: 'a' });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (d: Buffer) => {
        this.output += d.toString();
        log.write(d);
      });
    }
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first match once the process has printed `text`; rejects if it exits or takes too long. */
  async waitForLog(text: string | RegExp, timeoutMs = 60_000): Promise<RegExpExecArray | string> {
    const started = Date.now();
    for (;;) {
      const match = typeof text === 'string' ? (this.output.includes(text) ? text : null) : text.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}) before "${text}":\n${this.output.slice(-2000)}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${this.name} did not print "${text}" within ${timeoutMs} ms:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
