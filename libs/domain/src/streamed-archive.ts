import { PassThrough, Writable } from 'node:stream';

/** The connection an archive comes through (an exec's stream or WebSocket), as the archive drives it. */
export interface ArchiveSource {
  pause(): void;
  resume(): void;
  /** Closes the connection: the command in the lab stops at its next write. */
  stop(): void;
}

export interface StreamedArchiveTimings {
  /** Time to the first byte (or a failure) before `started` rejects with `onNoStart()`. */
  readonly startMs: number;
  /** Time the reader may stay behind before the archive fails with `onStall()`. */
  readonly stallMs: number;
}

/** The start and stall times of a copy out of a lab, on every backend. */
export const COPY_OUT_TIMINGS: StreamedArchiveTimings = { startMs: 30_000, stallMs: 60_000 };

/**
 * A tar archive streamed out of a lab node as a command writes it (`copyOutCommand`), whatever
 * carries it. `started` resolves with the stream at the first byte (or at a clean end with none),
 * or rejects with the failure when it comes first, so a missing path is an error, not an empty
 * download. The source is paused while the reader is behind, and stopped when the reader goes
 * away or the archive fails.
 */
export class StreamedArchive {
  readonly started: Promise<NodeJS.ReadableStream>;
  /** Where the command's stdout goes. */
  readonly stdout: Writable;
  private readonly stream = new PassThrough();
  private source: ArchiveSource | null = null;
  private begun = false;
  private over = false;
  private stall?: NodeJS.Timeout;
  private readonly startTimer: NodeJS.Timeout;
  private resolveStart!: (stream: NodeJS.ReadableStream) => void;
  private rejectStart!: (error: Error) => void;

  constructor(
    private readonly timings: StreamedArchiveTimings,
    private readonly errors: { onNoStart: () => Error; onStall: () => Error },
  ) {
    this.started = new Promise((resolve, reject) => {
      this.resolveStart = resolve;
      this.rejectStart = reject;
    });
    this.startTimer = setTimeout(() => this.finish(errors.onNoStart()), timings.startMs);
    this.stdout = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.write(chunk);
        done();
      },
    });
    this.stream.on('drain', () => {
      clearTimeout(this.stall);
      this.stall = undefined;
      this.source?.resume();
    });
    // The reader went away: stop the command.
    this.stream.on('close', () => {
      if (this.over) return;
      this.settle();
      this.source?.stop();
    });
  }

  /** The connection, once it is known; stopped at once if the archive is already over. */
  attach(source: ArchiveSource): void {
    this.source = source;
    if (this.over) source.stop();
    else if (this.stream.writableNeedDrain) this.behind();
  }

  /** The archive is complete (no error), or failed: the stream, or `started`, says which. */
  finish(error?: Error): void {
    if (this.over) return;
    this.settle();
    if (!error) {
      this.begin();
      this.stream.end();
      return;
    }
    this.source?.stop();
    if (this.begun) this.stream.destroy(error);
    else this.rejectStart(error);
  }

  private write(chunk: Buffer): void {
    if (this.over) return;
    this.begin();
    if (!this.stream.write(chunk)) this.behind();
  }

  private begin(): void {
    if (this.begun) return;
    this.begun = true;
    clearTimeout(this.startTimer);
    this.resolveStart(this.stream);
  }

  private behind(): void {
    this.source?.pause();
    this.stall ??= setTimeout(() => this.finish(this.errors.onStall()), this.timings.stallMs);
  }

  private settle(): void {
    this.over = true;
    clearTimeout(this.startTimer);
    clearTimeout(this.stall);
  }
}
