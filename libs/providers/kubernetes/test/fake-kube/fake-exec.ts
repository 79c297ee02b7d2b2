import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { KubeObject } from './fake-kube-store';
import { FakeNetwork } from './fake-network';

export interface CommandResult {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode: number;
  /** How long the command runs before it answers. */
  readonly ms?: number;
}

/** Frames of the `v4.channel.k8s.io` protocol: a channel byte, then the data. */
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

const channel = (n: number, data: string | Buffer) => frame(0x2, Buffer.concat([Buffer.from([n]), Buffer.from(data)]));

/** The kubelet's closing Status: success, or the exit code as the `ExitCode` cause. */
function statusFrame(exitCode: number): Buffer {
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
  return channel(STATUS, JSON.stringify(status));
}

/**
 * A few commands of the lab image, answered the way the real ones would, so exec and readiness
 * paths can be exercised without a container: `docker info`, `sh -c 'exit N'`, big output,
 * `sleep`, `hostname`, and `ping`, which asks the fake DNS and NetworkPolicy rules.
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

/** Answers a WebSocket upgrade for `pods/exec` (RFC 6455 by hand: the server side needs only a handshake and unmasked frames). */
export function serveExec(req: IncomingMessage, socket: Duplex, run: () => CommandResult, later: (ms: number, fn: () => void) => void): void {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(
    ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, 'Sec-WebSocket-Protocol: v4.channel.k8s.io', '', ''].join('\r\n'),
  );
  socket.on('error', () => undefined);
  socket.on('data', () => undefined); // the client's own frames (its close) need no answer
  const result = run();
  later(result.ms ?? 0, () => {
    if (socket.destroyed) return;
    // Output in chunks, as the kubelet streams it.
    const out = Buffer.from(result.stdout ?? '');
    for (let i = 0; i < out.length; i += 64 * 1024) socket.write(channel(STDOUT, out.subarray(i, i + 64 * 1024)));
    if (result.stderr) socket.write(channel(STDERR, result.stderr));
    socket.write(statusFrame(result.exitCode));
    socket.write(frame(0x8, Buffer.from([0x03, 0xe8])));
    socket.end();
  });
}
