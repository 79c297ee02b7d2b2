import type Docker from 'dockerode';
import { BoundedBuffer, boundedExecResult, endsWithin, type ExecResult } from '@labfleet/domain';

export interface ExecOptions {
  readonly command: readonly string[];
  /** What runs the command (`inLab([])` for a lab node); the timeout applies inside it. */
  readonly runner?: readonly string[];
  readonly timeoutMs: number;
  readonly outputLimitBytes: number;
  /** Written to the command's stdin, which is then closed; without it the command has no stdin. */
  readonly stdin?: string;
}

/**
 * Runs a command in a container and collects bounded stdout/stderr. The command runs under
 * coreutils `timeout` so it dies inside the lab when time is up; the client-side timer is a
 * backstop in case the engine stops answering.
 */
export async function runExec(container: Docker.Container, modem: Docker['modem'], options: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const exec = await container.exec({
    Cmd: [...(options.runner ?? []), 'timeout', '--signal=KILL', String(seconds), ...options.command],
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
  if (options.stdin !== undefined) stream.end(options.stdin);
  const stdout = new BoundedBuffer(options.outputLimitBytes);
  const stderr = new BoundedBuffer(options.outputLimitBytes);
  modem.demuxStream(stream, stdout, stderr);
  const finished = await endsWithin(stream, ['end', 'close', 'error'], seconds * 1000 + 5000);
  if (!finished) stream.destroy();
  const { ExitCode } = await exec.inspect();
  const exitCode = finished && ExitCode !== null ? ExitCode : undefined;
  return boundedExecResult({ exitCode, stdout, stderr, started, seconds, finished });
}
