import type { Exec, V1Status } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { BoundedBuffer, boundedExecResult, endsWithin, ExecResult, inLab, ProviderError } from '@labfleet/domain';

export interface KubeExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export interface KubeExecOptions {
  readonly command: readonly string[];
  readonly timeoutMs: number;
  readonly outputLimitBytes: number;
  /**
   * Written to the command's stdin, which is never closed: on v4 (clusters before 1.30) closing it
   * closes the exec and loses its exit status. The command reads only what it expects (`head -c`).
   */
  readonly stdin?: string;
}

/** The exit code the kubelet reports in the exec's closing Status, or undefined when it names none. */
export function exitCodeOf(status: V1Status | undefined): number | undefined {
  if (status?.status === 'Success') return 0;
  if (status?.reason !== 'NonZeroExitCode') return undefined;
  const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * Runs a command inside the lab of a lab pod (through lab-enter) with the `exec` subresource (a
 * WebSocket) and collects bounded stdout/stderr. As on Docker, the command runs under coreutils
 * `timeout`, itself inside the lab, so it dies there when time is up; the client-side timer is a
 * backstop in case the connection hangs.
 */
export async function runKubeExec(exec: Exec, target: KubeExecTarget, options: KubeExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const stdout = new BoundedBuffer(options.outputLimitBytes);
  const stderr = new BoundedBuffer(options.outputLimitBytes);
  let status: V1Status | undefined;
  const command = inLab(['timeout', '--signal=KILL', String(seconds), ...options.command]);
  const stdin = options.stdin === undefined ? null : new PassThrough();
  stdin?.write(options.stdin);
  const socket = await exec.exec(target.namespace, target.pod, target.container, command, stdout, stderr, stdin, false, (s) => {
    status = s;
  });
  const finished = await endsWithin(socket, ['close', 'error'], seconds * 1000 + 5000);
  stdin?.destroy();
  if (!finished) socket.terminate();
  const reported = exitCodeOf(status);
  if (finished && reported === undefined) {
    // No exit code: the kubelet refused the command, or the connection broke before it ended.
    if (status) throw new ProviderError(`exec in ${target.pod}: ${status.message ?? status.reason ?? 'failed'}`, false);
    throw new ProviderError(`exec in ${target.pod}: the connection closed before the command ended`, true);
  }
  return boundedExecResult({ exitCode: reported, stdout, stderr, started, seconds, finished });
}
