import type Docker from 'dockerode';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { BoundedBuffer, copyInCommand, copyOutCommand, endsWithin, inLab, ProviderError } from '@labfleet/domain';

const STDERR_LIMIT = 4096;
/** Time to start the archive (or fail); a copy the reader stops draining is closed after `STALL_MS`. */
const COPY_OUT_START_MS = 30_000;
const STALL_MS = 60_000;

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
 * A tar archive of `path` on a lab node, streamed from `tar -c` inside the lab. Resolves once the
 * archive has started (or rejects with the shell's words, e.g. `No such file or directory`); a
 * failure after that destroys the stream with it. The exec is paused while the reader is behind,
 * and closed when the reader goes away.
 */
export async function copyOutOfContainer(container: Docker.Container, modem: Docker['modem'], path: string): Promise<NodeJS.ReadableStream> {
  const { exec, stream } = await startInLab(container, copyOutCommand(path), false);
  return new Promise((resolve, reject) => {
    const archive = new PassThrough();
    const stderr = new BoundedBuffer(STDERR_LIMIT);
    let started = false;
    let over = false;
    let stall: NodeJS.Timeout | undefined;
    const begin = () => {
      if (started) return;
      started = true;
      clearTimeout(startTimer);
      resolve(archive);
    };
    const end = (error?: Error) => {
      if (over) return;
      over = true;
      clearTimeout(startTimer);
      clearTimeout(stall);
      if (!error) {
        begin();
        archive.end();
        return;
      }
      stream.destroy();
      if (started) archive.destroy(error);
      else reject(error);
    };
    const startTimer = setTimeout(() => end(new ProviderError(`copying ${path} out: no answer within ${COPY_OUT_START_MS / 1000} s`, true)), COPY_OUT_START_MS);
    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (!over) {
          begin();
          if (!archive.write(chunk)) {
            stream.pause();
            stall ??= setTimeout(() => end(new ProviderError(`copying ${path} out: the reader stopped reading`, false)), STALL_MS);
          }
        }
        done();
      },
    });
    archive.on('drain', () => {
      clearTimeout(stall);
      stall = undefined;
      stream.resume();
    });
    // The reader went away: stop tar by closing the exec.
    archive.on('close', () => {
      if (!over) end(new ProviderError(`copying ${path} out: the reader went away`, false));
    });
    modem.demuxStream(stream, stdout, stderr);
    const finished = () =>
      exitCodeOf(exec).then(
        (ExitCode) => end(ExitCode === 0 ? undefined : new ProviderError(`cannot copy ${path} out: ${stderr.text().trim() || `tar exited with ${ExitCode}`}`, false)),
        (e: Error) => end(e),
      );
    stream.on('end', finished);
    stream.on('error', (e) => end(e));
  });
}
