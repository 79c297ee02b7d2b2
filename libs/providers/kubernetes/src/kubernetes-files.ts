import type { Exec, V1Status } from '@kubernetes/client-node';
import { PassThrough, Writable } from 'node:stream';
import { BoundedBuffer, copyInCommand, copyOutCommand, endsWithin, inLab, ProviderError } from '@labfleet/domain';
import { exitCodeOf, KubeExecTarget } from './kubernetes-exec';

/** The exec's WebSocket (the `ws` package's). */
type ExecSocket = Awaited<ReturnType<Exec['exec']>>;

/** Stdin goes out in pieces: the kubelet's WebSocket library refuses frames over 32 MiB. */
const STDIN_CHUNK = 64 * 1024;
const STDERR_LIMIT = 4096;
/** Time to start the archive (or fail); a stream the reader stops draining is closed after `STALL_MS`. */
const COPY_OUT_START_MS = 30_000;
const STALL_MS = 60_000;

/**
 * Writes a tar archive into a directory of a lab pod: `tar -xf -` inside the lab (through
 * lab-enter, so paths are the lab's and files belong to its root) with the `exec` subresource,
 * the archive on stdin. Rejects with a ProviderError carrying tar's (or mkdir's) own words.
 */
export async function copyIntoPod(exec: Exec, target: KubeExecTarget, dir: string, tar: Buffer, timeoutMs: number): Promise<void> {
  const stdin = new PassThrough();
  for (let i = 0; i < tar.length; i += STDIN_CHUNK) stdin.write(tar.subarray(i, i + STDIN_CHUNK));
  const stderr = new BoundedBuffer(STDERR_LIMIT);
  let status: V1Status | undefined;
  const socket = await exec.exec(target.namespace, target.pod, target.container, inLab(copyInCommand(dir, tar.length)), null, stderr, stdin, false, (s) => {
    status = s;
  });
  const finished = await endsWithin(socket, ['close', 'error'], timeoutMs);
  stdin.destroy();
  if (!finished) {
    socket.terminate();
    throw new ProviderError(`copying into ${dir} in ${target.pod}: no answer within ${Math.round(timeoutMs / 1000)} s`, true);
  }
  const code = exitCodeOf(status);
  if (code === 0) return;
  if (code !== undefined) throw new ProviderError(`cannot copy into ${dir}: ${stderr.text().trim() || `tar exited with ${code}`}`, false);
  if (status) throw new ProviderError(`copying into ${dir} in ${target.pod}: ${status.message ?? status.reason ?? 'failed'}`, false);
  throw new ProviderError(`copying into ${dir} in ${target.pod}: the connection closed before tar ended`, true);
}

/**
 * A tar archive of `path` in a lab pod, streamed from `tar -cf -` inside the lab (through
 * lab-enter) with the `exec` subresource. Resolves once the archive has started (or rejects with
 * the shell's words, e.g. `No such file or directory`); a failure after that destroys the stream
 * with it. The WebSocket is paused while the reader is behind, and closed when the reader goes away.
 */
export function copyOutOfPod(exec: Exec, target: KubeExecTarget, path: string): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    const archive = new PassThrough();
    const stderr = new BoundedBuffer(STDERR_LIMIT);
    let status: V1Status | undefined;
    let socket: ExecSocket | undefined;
    let streaming = false;
    let over = false;
    let stall: NodeJS.Timeout | undefined;

    const begin = () => {
      if (streaming) return;
      streaming = true;
      clearTimeout(startTimer);
      resolve(archive);
    };
    /** The archive is complete (no error) or failed; the stream or the promise says which. */
    const end = (error?: unknown) => {
      if (over) return;
      over = true;
      clearTimeout(startTimer);
      clearTimeout(stall);
      if (!error) {
        begin();
        archive.end();
        return;
      }
      socket?.terminate();
      if (streaming) archive.destroy(error instanceof Error ? error : new Error(String(error)));
      else reject(error);
    };
    /** The client ends stdout on the closing Status and then reports it; by the next turn, `status` is known. */
    const closed = () => {
      const code = exitCodeOf(status);
      if (code === 0) return end();
      const words = stderr.text().trim();
      if (code !== undefined) return end(new ProviderError(`cannot copy ${path} out: ${words || `tar exited with ${code}`}`, false));
      if (status) return end(new ProviderError(`copying ${path} out of ${target.pod}: ${status.message ?? status.reason ?? 'failed'}`, false));
      end(new ProviderError(`copying ${path} out of ${target.pod}: the connection closed before the archive ended`, true));
    };
    const startTimer = setTimeout(() => end(new ProviderError(`copying ${path} out of ${target.pod}: no answer within ${COPY_OUT_START_MS / 1000} s`, true)), COPY_OUT_START_MS);

    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (!over) {
          begin();
          if (!archive.write(chunk)) behind();
        }
        callback();
      },
    });
    const behind = () => {
      socket?.pause();
      stall ??= setTimeout(() => end(new ProviderError(`copying ${path} out of ${target.pod}: the reader stopped reading`, false)), STALL_MS);
    };
    archive.on('drain', () => {
      clearTimeout(stall);
      stall = undefined;
      socket?.resume();
    });
    // The reader went away: stop tar by closing the exec.
    archive.on('close', () => {
      if (over) return;
      over = true;
      clearTimeout(startTimer);
      clearTimeout(stall);
      socket?.terminate();
    });
    stdout.on('finish', () => setImmediate(closed));
    stdout.on('error', () => undefined); // a stray frame after the Status (write after end)

    exec
      .exec(target.namespace, target.pod, target.container, inLab(copyOutCommand(path)), stdout, stderr, null, false, (s) => {
        status = s;
      })
      .then(
        (ws) => {
          socket = ws;
          if (over) return ws.terminate();
          if (archive.writableNeedDrain) behind();
          ws.on('close', () => setImmediate(closed));
          ws.on('error', () => setImmediate(closed));
        },
        (e: unknown) => end(e),
      );
  });
}
