import type { Exec, V1Status } from '@kubernetes/client-node';
import { posix } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { BoundedBuffer, endsWithin, ProviderError } from '@labfleet/domain';
import { exitCodeOf, KubeExecTarget } from './kubernetes-exec';

/**
 * Unpacks the archive on stdin into `$1` (made if missing); `$2` is the archive's size. `head -c`
 * hands tar exactly that many bytes and then end-of-file: the v4 exec protocol (Kubernetes before
 * 1.30) cannot half-close stdin, and closing the WebSocket would lose the exit status.
 */
export const COPY_IN_SCRIPT = 'mkdir -p -- "$1" && head -c "$2" | tar -xf - -C "$1"';

/**
 * A tar of `$1` (as `$3` inside `$2`) on stdout. A missing path fails before tar writes a byte
 * (GNU tar would still write an empty archive), with the words the API maps to 404.
 */
export const COPY_OUT_SCRIPT = 'if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo "$1: No such file or directory" >&2; exit 2; fi; exec tar -cf - -C "$2" "$3"';

/** `$0` of the scripts, which the shell puts in its own error messages. */
export const COPY_IN_NAME = 'labfleet-copy-in';
export const COPY_OUT_NAME = 'labfleet-copy-out';

export function copyInCommand(dir: string, bytes: number): string[] {
  return ['sh', '-c', COPY_IN_SCRIPT, COPY_IN_NAME, dir, String(bytes)];
}

export function copyOutCommand(path: string): string[] {
  const parent = posix.dirname(path);
  const name = posix.basename(path) || '.';
  // A name starting with `-` would read as an option.
  return ['sh', '-c', COPY_OUT_SCRIPT, COPY_OUT_NAME, path, parent, name.startsWith('-') ? `./${name}` : name];
}

/** The exec's WebSocket (the `ws` package's). */
type ExecSocket = Awaited<ReturnType<Exec['exec']>>;

/** Stdin goes out in pieces: the kubelet's WebSocket library refuses frames over 32 MiB. */
const STDIN_CHUNK = 64 * 1024;
const STDERR_LIMIT = 4096;
/** Time to start the archive (or fail); a stream the reader stops draining is closed after `STALL_MS`. */
const COPY_OUT_START_MS = 30_000;
const STALL_MS = 60_000;

/**
 * Writes a tar archive into a directory of a lab pod: `tar -xf -` through the `exec` subresource,
 * the archive on stdin. Rejects with a ProviderError carrying tar's (or mkdir's) own words.
 */
export async function copyIntoPod(exec: Exec, target: KubeExecTarget, dir: string, tar: Buffer, timeoutMs: number): Promise<void> {
  const stdin = new PassThrough();
  for (let i = 0; i < tar.length; i += STDIN_CHUNK) stdin.write(tar.subarray(i, i + STDIN_CHUNK));
  const stderr = new BoundedBuffer(STDERR_LIMIT);
  let status: V1Status | undefined;
  const socket = await exec.exec(target.namespace, target.pod, target.container, copyInCommand(dir, tar.length), null, stderr, stdin, false, (s) => {
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
 * A tar archive of `path` in a lab pod, streamed from `tar -cf -` through the `exec`
 * subresource. Resolves once the archive has started (or rejects with the shell's words, e.g.
 * `No such file or directory`); a failure after that destroys the stream with it. The WebSocket
 * is paused while the reader is behind, and closed when the reader goes away.
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
      .exec(target.namespace, target.pod, target.container, copyOutCommand(path), stdout, stderr, null, false, (s) => {
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
