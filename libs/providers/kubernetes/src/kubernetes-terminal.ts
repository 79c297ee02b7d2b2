import type { Exec } from '@kubernetes/client-node';
import { PassThrough, Writable } from 'node:stream';
import { type AttachRequest, inLab, type TerminalSession } from '@labfleet/domain';
import type { KubeExecTarget } from './kubernetes-exec';

/**
 * The TTY's output. `columns`, `rows` and a `resize` event make `@kubernetes/client-node`'s Exec
 * treat it as resizable: it sends the size on the resize channel (4) when the exec opens and on
 * every `resize`, as `{"width","height"}` (the kubelet reads it as its TerminalSize).
 */
class TerminalOutput extends Writable {
  private readonly readers: ((chunk: Buffer) => void)[] = [];
  /** Output that came before anyone listened, handed to the first listener. */
  private early: Buffer[] = [];

  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    if (this.readers.length === 0) this.early.push(chunk);
    for (const listener of this.readers) listener(chunk);
    done();
  }

  listen(listener: (chunk: Buffer) => void): void {
    this.readers.push(listener);
    if (this.readers.length === 1) for (const chunk of this.early.splice(0)) listener(chunk);
    this.early = [];
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/**
 * Runs `request.command` inside the lab of a lab pod (through lab-enter) with a TTY through the
 * `exec` subresource (a WebSocket): stdin on channel 0, the TTY's output on channel 1 (stdout and
 * stderr merged, as a TTY does), the terminal size on channel 4. Exec cannot set environment
 * variables, so the command runs under `env` with the same TERM and LANG as on Docker. The
 * session ends when the WebSocket closes: the program exited (the kubelet sends its status and
 * closes) or the connection broke.
 */
export async function attachKubeTerminal(exec: Exec, target: KubeExecTarget, request: AttachRequest): Promise<TerminalSession> {
  const stdin = new PassThrough();
  const output = new TerminalOutput(request.cols, request.rows);
  // The client ends `output` on the closing Status; a stray frame after it must not crash the process.
  output.on('error', () => undefined);
  const command = inLab(['env', 'TERM=xterm-256color', 'LANG=C.UTF-8', ...request.command]);
  // With a TTY the kubelet has no separate stderr: none is asked for.
  const socket = await exec.exec(target.namespace, target.pod, target.container, command, output, null, stdin, true);
  let ended = false;
  const endListeners: (() => void)[] = [];
  const end = () => {
    if (ended) return;
    ended = true;
    stdin.destroy();
    for (const listener of endListeners.splice(0)) listener();
  };
  socket.on('close', end);
  socket.on('error', end);
  // The client queues the first size for the next turn: let it go out before any input does.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    onData: (listener) => output.listen(listener),
    onEnd: (listener) => (ended ? listener() : endListeners.push(listener)),
    write: (data) => {
      if (!ended) stdin.write(data);
    },
    resize: async (cols, rows) => {
      if (!ended) output.resize(cols, rows);
    },
    close: () => {
      if (!ended) socket.close();
    },
  };
}
