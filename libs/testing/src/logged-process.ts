import { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
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
  /** Emits 'output' on each chunk and 'ended' once the streams have closed, for waitForLog. */
  private readonly events = new EventEmitter();
  private ended = false;
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
        this.events.emit('output');
      });
    }
    // 'close' comes after the last output ('exit' may come before it).
    child.once('close', () => {
      this.ended = true;
      log.end();
      this.events.emit('ended');
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** True until the process has exited, by itself or by a signal. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The signal that ended the process, if one did. */
  get exitSignal(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  /**
   * Resolves with the first match once the process has printed `text`; rejects if it ends first or
   * takes longer than `timeoutMs`. Woken by the output itself, not by polling.
   */
  waitForLog(text: string | RegExp, timeoutMs = 60_000): Promise<RegExpExecArray | string> {
    const find = () => (typeof text === 'string' ? (this.output.includes(text) ? text : null) : text.exec(this.output));
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        this.events.off('output', check).off('ended', check);
        outcome();
      };
      const check = () => {
        const match = find();
        if (match) settle(() => resolve(match));
        else if (this.ended) settle(() => reject(new Error(`${this.name} ended (${this.child.exitCode ?? this.child.signalCode}) before printing "${text}":\n${this.output.slice(-2000)}`)));
      };
      const timer = setTimeout(() => settle(() => reject(new Error(`${this.name} did not print "${text}" within ${timeoutMs} ms:\n${this.output.slice(-2000)}`))), timeoutMs);
      this.events.on('output', check).on('ended', check);
      check();
    });
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
