import { WebSocket } from 'ws';
import { FakeProcess, TerminalSize } from './fake-exec';

/** The exec subprotocol whose CLOSE signal half-closes a stream (API servers from v1.30, and 1.29 with its feature gate). */
export const V5_PROTOCOL = 'v5.channel.k8s.io';

/**
 * Channels of the `v4.channel.k8s.io` and `v5.channel.k8s.io` protocols: each message is a
 * channel byte, then the data. v5 adds one message, [255, channel]: that stream is closed.
 */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
/** How many channels an exec has: a message for a higher one is dropped (wsstream's `Conn.handle`). */
const CHANNELS = 5;
const CLOSE = 255;

const onChannel = (n: number, data: string | Buffer): Buffer => Buffer.concat([Buffer.from([n]), Buffer.from(data)]);

/**
 * The kubelet copies a command's output through a 32 KiB buffer (Go's io.Copy): a frame per read,
 * never a bigger one. `ws` sends each message as one frame, so the output is cut here.
 */
const OUTPUT_FRAME = 32 * 1024;

/** The kubelet's closing Status: success, or the exit code as the `ExitCode` cause. */
function statusMessage(exitCode: number): Buffer {
  const status =
    exitCode === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {},
          status: 'Failure',
          message: `command terminated with non-zero exit code: error executing command [...], exit code ${exitCode}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
        };
  return onChannel(STATUS, JSON.stringify(status));
}

/** What the exec asked for: a TTY, and a stdin (without it, the command's stdin is at its end from the start). */
export interface ExecStreams {
  readonly tty: boolean;
  readonly stdin: boolean;
}

/**
 * Serves an exec on an open WebSocket (`ws` does RFC 6455; this is the channel protocol on top),
 * as wsstream's `Conn` does on the real server: a stdin message goes to the command only when the
 * exec asked for stdin; stdin ends when the connection closes and, on v5 only, on [255, 0]; a
 * malformed CLOSE (not two bytes, or an unknown channel) ends the connection; on v4, 255 is just
 * a channel that does not exist and its messages are dropped.
 */
export function serveExec(ws: WebSocket, streams: ExecStreams, start: FakeProcess, later: (ms: number, fn: () => void) => void): void {
  const stdin: ((data: Buffer) => void)[] = [];
  const stdinEnd: (() => void)[] = [];
  const resize: ((size: TerminalSize) => void)[] = [];
  const hangup: (() => void)[] = [];
  const closable = ws.protocol === V5_PROTOCOL;
  let over = false;
  let stdinOver = !streams.stdin;
  const send = (message: Buffer) => {
    if (!over && ws.readyState === WebSocket.OPEN) ws.send(message);
  };
  const output = (n: number, data: string | Buffer) => {
    const bytes = Buffer.from(data);
    for (let i = 0; i < bytes.length; i += OUTPUT_FRAME) send(onChannel(n, bytes.subarray(i, i + OUTPUT_FRAME)));
  };
  const endStdin = () => {
    if (stdinOver) return;
    stdinOver = true;
    for (const listener of stdinEnd) listener();
  };
  const hangUp = () => {
    const running = !over;
    // Output of a command the client left goes nowhere.
    over = true;
    endStdin();
    if (running) for (const listener of hangup) listener();
  };
  ws.on('message', (message) => {
    // A Buffer, fragments joined: `ws` hands whole messages as Node buffers by default.
    const payload = message as Buffer;
    if (payload.length === 0) return;
    if (closable && payload[0] === CLOSE) {
      if (payload.length !== 2 || payload[1] >= CHANNELS) return ws.close();
      if (payload[1] === STDIN) endStdin();
      return;
    }
    const data = payload.subarray(1);
    if (payload[0] === STDIN && !stdinOver) for (const listener of stdin) listener(data);
    if (payload[0] === RESIZE) {
      const size = Object.fromEntries(Object.entries(JSON.parse(data.toString('utf8')) as Record<string, number>).map(([k, v]) => [k.toLowerCase(), v]));
      for (const listener of resize) listener({ width: size.width, height: size.height });
    }
  });
  // A broken connection ends in 'close' too: the command loses its terminal there.
  ws.on('error', () => undefined);
  ws.on('close', hangUp);
  start({
    tty: streams.tty,
    stdout: (data) => output(STDOUT, data),
    stderr: (data) => output(streams.tty ? STDOUT : STDERR, data),
    exit: (exitCode) => {
      send(statusMessage(exitCode));
      over = true;
      ws.close(1000);
    },
    onStdin: (listener) => stdin.push(listener),
    onStdinEnd: (listener) => {
      if (stdinOver) later(0, () => !over && listener());
      else stdinEnd.push(listener);
    },
    onResize: (listener) => resize.push(listener),
    onHangup: (listener) => hangup.push(listener),
    later: (ms, fn) => later(ms, () => !over && fn()),
  });
}
