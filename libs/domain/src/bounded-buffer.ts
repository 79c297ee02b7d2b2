import { Writable } from 'node:stream';
import type { ExecResult } from './lab-provider.port';

/** Keeps the first `limit` bytes written to it and remembers whether more came. */
export class BoundedBuffer extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const kept = chunk.subarray(0, room);
      this.chunks.push(kept);
      this.size += kept.length;
    }
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Exit code `timeout --signal=KILL` reports when it had to kill the command. */
export const KILLED_BY_TIMEOUT = 137;

/**
 * The result of a command run under `timeout --signal=KILL <seconds>` with bounded output: without
 * an exit code (the stream never ended) it counts as killed by the timeout.
 */
export function boundedExecResult(run: { exitCode: number | undefined; stdout: BoundedBuffer; stderr: BoundedBuffer; started: number; seconds: number; finished: boolean }): ExecResult {
  const exitCode = run.exitCode ?? KILLED_BY_TIMEOUT;
  const durationMs = Date.now() - run.started;
  return {
    exitCode,
    stdout: run.stdout.text(),
    stderr: run.stderr.text(),
    truncated: run.stdout.truncated || run.stderr.truncated,
    timedOut: !run.finished || (exitCode === KILLED_BY_TIMEOUT && durationMs >= run.seconds * 1000),
    durationMs,
  };
}
