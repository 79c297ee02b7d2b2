import { WebSocket } from 'ws';
import { KubeObject } from './fake-kube-store';
import { FakeNetwork } from './fake-network';

export interface CommandResult {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode: number;
  /** How long the command runs before it answers. */
  readonly ms?: number;
}

/** Channels of the `v4.channel.k8s.io` protocol: each message is a channel byte, then the data. */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;

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

/**
 * A few commands of the lab image, as run inside the lab (what lab-enter was given, see
 * `fake-lab-image.ts`), answered the way the real ones would, so exec and readiness paths can be
 * exercised without a container: `docker info`, `sh -c 'exit N'`, big output, `sleep`,
 * `hostname`, the rewrite of /etc/hosts with a lab's peers, and `ping`, which asks the fake
 * /etc/hosts, DNS and NetworkPolicy rules.
 */
export function runFakeCommand(pod: KubeObject, argv: string[], network: FakeNetwork): CommandResult {
  let limit = Infinity;
  if (argv[0] === 'timeout' && argv[1] === '--signal=KILL') {
    limit = Number(argv[2]) * 1000;
    argv = argv.slice(3);
  }
  const result = answer(pod, argv, network);
  if ((result.ms ?? 0) > limit) return { exitCode: 137, ms: limit };
  return result;
}

function answer(pod: KubeObject, argv: string[], network: FakeNetwork): CommandResult {
  const [cmd, ...args] = argv;
  const script = cmd === 'sh' && args[0] === '-c' ? args[1] : undefined;
  if (cmd === 'docker' && args[0] === 'info') return { stdout: args.includes('--format') ? '20.10.24\n' : 'Server Version: 20.10.24\n', exitCode: 0 };
  if (cmd === 'hostname') return { stdout: `${pod.spec.hostname}\n`, exitCode: 0 };
  if (cmd === 'sleep') return { exitCode: 0, ms: Number(args[0]) * 1000 };
  if (script?.match(/^exit (\d+)$/)) return { exitCode: Number(script.split(' ')[1]) };
  // The provider's rewrite of /etc/hosts with the lab's peers (lab-peers.ts): `sh -c SCRIPT peers LINE...`.
  if (script?.startsWith("{ grep -v '# labfleet peer$' /etc/hosts;")) {
    network.setHosts(pod, args.slice(3));
    return { exitCode: 0 };
  }
  const big = script?.match(/^head -c (\d+) \/dev\/zero \| tr "\\0" x; echo err >&2$/);
  if (big) return { stdout: 'x'.repeat(Number(big[1])), stderr: 'err\n', exitCode: 0 };
  if (cmd === 'ping') {
    const host = args[args.length - 1];
    const target = network.resolve(pod, host);
    if (!target) return { stderr: `ping: ${host}: Name or service not known\n`, exitCode: 2 };
    if (!network.allows(pod, target)) return { stdout: `PING ${host} (${target.status?.podIP}) 56(84) bytes of data.\n\n1 packets transmitted, 0 received, 100% packet loss\n`, exitCode: 1, ms: 50 };
    return { stdout: `PING ${host} (${target.status?.podIP}) 56(84) bytes of data.\n64 bytes from ${target.status?.podIP}: icmp_seq=1 ttl=64\n`, exitCode: 0 };
  }
  return { stderr: `sh: 1: ${cmd}: not found\n`, exitCode: 127 };
}

/** The readiness exec (the domain's LAB_READY_COMMAND), after `timeout --signal=KILL N`. */
export const isReadyWait = (argv: readonly string[]): boolean => argv[0] === 'timeout' && argv[3] === 'sh' && argv[5]?.startsWith('until [ -S /var/run/docker.sock ]') === true;

/**
 * The readiness exec as a real lab answers it: it ends (0) when the daemon answers, which in the
 * fake is when the kubelet's scenario makes the pod Ready; it is cut (137) when the container
 * stops or the pod goes first, or when its `timeout` runs out.
 */
export const fakeReadyWait =
  (current: () => KubeObject | undefined, seconds: number): FakeProcess =>
  (io) => {
    const until = Date.now() + seconds * 1000;
    const poll = () => {
      const pod = current();
      if (pod?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) return io.exit(0);
      const stopped = !pod || pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed' || pod.status?.containerStatuses?.[0]?.state?.terminated;
      if (stopped || Date.now() >= until) return io.exit(137);
      io.later(10, poll);
    };
    poll();
  };

/** What the client sends on the resize channel: the kubelet's TerminalSize (Go reads the keys case-insensitively). */
export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/** A fake command's side of an exec: the streams of the `v4.channel.k8s.io` protocol. */
export interface ExecIo {
  readonly tty: boolean;
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
  /** Ends the command: the closing Status with its exit code, then the WebSocket close. */
  exit(exitCode: number): void;
  onStdin(listener: (data: Buffer) => void): void;
  onResize(listener: (size: TerminalSize) => void): void;
  /** The client closed the WebSocket (or the connection broke) before the command ended. */
  onHangup(listener: () => void): void;
  /** Runs `fn` after `ms` on the fake kubelet's clock (stopped with the server). */
  later(ms: number, fn: () => void): void;
}

/** A command of the fake lab image, given its streams. */
export type FakeProcess = (io: ExecIo) => void;

/** A command that answers all at once after `result.ms`, whatever comes on stdin. */
export const oneShot =
  (result: CommandResult): FakeProcess =>
  (io) =>
    io.later(result.ms ?? 0, () => {
      if (result.stdout) io.stdout(result.stdout);
      if (result.stderr) io.stderr(result.stderr);
      io.exit(result.exitCode);
    });

/** Serves an exec on an open WebSocket (`ws` does RFC 6455; this is the kubelet's channel protocol on top). */
export function serveExec(ws: WebSocket, tty: boolean, start: FakeProcess, later: (ms: number, fn: () => void) => void): void {
  const stdin: ((data: Buffer) => void)[] = [];
  const resize: ((size: TerminalSize) => void)[] = [];
  const hangup: (() => void)[] = [];
  let over = false;
  const send = (message: Buffer) => {
    if (!over && ws.readyState === WebSocket.OPEN) ws.send(message);
  };
  const output = (n: number, data: string | Buffer) => {
    const bytes = Buffer.from(data);
    for (let i = 0; i < bytes.length; i += OUTPUT_FRAME) send(onChannel(n, bytes.subarray(i, i + OUTPUT_FRAME)));
  };
  const hangUp = () => {
    if (over) return;
    over = true;
    for (const listener of hangup) listener();
  };
  ws.on('message', (message) => {
    // A Buffer, fragments joined: `ws` hands whole messages as Node buffers by default.
    const payload = message as Buffer;
    if (payload.length === 0) return;
    const data = payload.subarray(1);
    if (payload[0] === STDIN) for (const listener of stdin) listener(data);
    if (payload[0] === RESIZE) {
      const size = Object.fromEntries(Object.entries(JSON.parse(data.toString('utf8')) as Record<string, number>).map(([k, v]) => [k.toLowerCase(), v]));
      for (const listener of resize) listener({ width: size.width, height: size.height });
    }
  });
  // A broken connection ends in 'close' too: the command loses its terminal there.
  ws.on('error', () => undefined);
  ws.on('close', hangUp);
  start({
    tty,
    stdout: (data) => output(STDOUT, data),
    stderr: (data) => output(tty ? STDOUT : STDERR, data),
    exit: (exitCode) => {
      send(statusMessage(exitCode));
      over = true;
      ws.close(1000);
    },
    onStdin: (listener) => stdin.push(listener),
    onResize: (listener) => resize.push(listener),
    onHangup: (listener) => hangup.push(listener),
    later: (ms, fn) => later(ms, () => !over && fn()),
  });
}
