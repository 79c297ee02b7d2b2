import type Docker from 'dockerode';
import { Duplex, PassThrough } from 'node:stream';
import { BoundedBuffer, COPY_OUT_TIMINGS, copyInCommand, copyOutCommand, endsWithin, inLab, ProviderError, StreamedArchive } from '@labfleet/domain';

const STDERR_LIMIT = 4096;

async function startInLab(container: Docker.Container, command: string[], stdin: boolean): Promise<{ exec: Docker.Exec; stream: Duplex }> {
  const exec = await container.exec({ Cmd: inLab(command), AttachStdin: stdin, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin })) as Duplex;
  return { exec, stream };
}

/** The exec's exit code; the engine may record it a moment after the stream ends. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  for (let attempt = 0; ; attempt++) {
    const { ExitCode } = await exec.inspect();
    if (ExitCode !== null || attempt === 20) return ExitCode;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Unpacks a tar archive into a directory of a lab node: `tar -x` inside the lab (see
 * `COPY_IN_SCRIPT`), the archive on stdin. Rejects with a ProviderError carrying tar's own words.
 */
export async function copyIntoContainer(container: Docker.Container, modem: Docker['modem'], dir: string, tar: Buffer, timeoutMs: number): Promise<void> {
  const { exec, stream } = await startInLab(container, copyInCommand(dir, tar.length), true);
  const stderr = new BoundedBuffer(STDERR_LIMIT);
  modem.demuxStream(stream, new PassThrough().resume(), stderr);
  stream.end(tar);
  if (!(await endsWithin(stream, ['end', 'close', 'error'], timeoutMs))) {
    stream.destroy();
    throw new ProviderError(`copying into ${dir}: no answer within ${Math.round(timeoutMs / 1000)} s`, true);
  }
  const ExitCode = await exitCodeOf(exec);
  if (ExitCode !== 0) throw new ProviderError(`cannot copy into ${dir}: ${stderr.text().trim() || `tar exited with ${ExitCode}`}`, false);
}

/**
 * A tar archive of `path` on a lab node, streamed from `tar -c` inside the lab: see
 * `StreamedArchive` for when it resolves, fails, pauses and stops.
 */
export async function copyOutOfContainer(container: Docker.Container, modem: Docker['modem'], path: string): Promise<NodeJS.ReadableStream> {
  const { exec, stream } = await startInLab(container, copyOutCommand(path), false);
  const stderr = new BoundedBuffer(STDERR_LIMIT);
  const archive = new StreamedArchive(COPY_OUT_TIMINGS, {
    onNoStart: () => new ProviderError(`copying ${path} out: no answer within ${COPY_OUT_TIMINGS.startMs / 1000} s`, true),
    onStall: () => new ProviderError(`copying ${path} out: the reader stopped reading`, false),
  });
  archive.attach({ pause: () => stream.pause(), resume: () => stream.resume(), stop: () => stream.destroy() });
  modem.demuxStream(stream, archive.stdout, stderr);
  stream.on('end', () =>
    exitCodeOf(exec).then(
      (code) => archive.finish(code === 0 ? undefined : new ProviderError(`cannot copy ${path} out: ${stderr.text().trim() || `tar exited with ${code}`}`, false)),
      (e: Error) => archive.finish(e),
    ),
  );
  stream.on('error', (e) => archive.finish(e));
  return archive.started;
}
