import { KubeObject } from './fake-kube-store';
import { FakeNetwork } from './fake-network';

export interface CommandResult {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode: number;
  /** How long the command runs before it answers. */
  readonly ms?: number;
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

/** A fake command's side of an exec: the streams of the channel protocol (see `fake-exec-channels.ts`). */
export interface ExecIo {
  readonly tty: boolean;
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
  /** Ends the command: the closing Status with its exit code, then the WebSocket close. */
  exit(exitCode: number): void;
  onStdin(listener: (data: Buffer) => void): void;
  /**
   * Stdin reached its end: at once for an exec that asked for no stdin, on the v5 protocol's
   * close of channel 0, or when the connection closes. Never otherwise: on v4 nothing else ends it.
   */
  onStdinEnd(listener: () => void): void;
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

/**
 * `head -c bytes` of the command's stdin: `done` gets exactly `bytes`, or what came before stdin
 * ended, and the rest of what comes goes to `rest` (for a later reader of the same stdin).
 */
export function headOfStdin(io: ExecIo, bytes: number, done: (head: Buffer) => void, rest: (data: Buffer) => void = () => undefined): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let over = bytes === 0;
  const finish = () => {
    if (over) return;
    over = true;
    done(Buffer.concat(chunks));
  };
  io.onStdin((data) => {
    if (over) return rest(data);
    const take = Math.min(data.length, bytes - received);
    chunks.push(data.subarray(0, take));
    received += take;
    if (received === bytes) finish();
    if (take < data.length) rest(data.subarray(take));
  });
  io.onStdinEnd(finish);
  if (bytes === 0) io.later(0, () => done(Buffer.alloc(0)));
}
