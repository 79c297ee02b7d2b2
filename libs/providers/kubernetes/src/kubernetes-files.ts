import type { Exec, V1Status } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { BoundedBuffer, COPY_OUT_TIMINGS, copyInCommand, copyOutCommand, endsWithin, inLab, ProviderError, StreamedArchive } from '@labfleet/domain';
import { exitCodeOf, KubeExecTarget } from './kubernetes-exec';

/** Stdin goes out in pieces: the kubelet's WebSocket library refuses frames over 32 MiB. */
const STDIN_CHUNK = 64 * 1024;
const STDERR_LIMIT = 4096;

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
 * lab-enter) with the `exec` subresource: see `StreamedArchive` for when it resolves, fails, pauses
 * and stops.
 */
export function copyOutOfPod(exec: Exec, target: KubeExecTarget, path: string): Promise<NodeJS.ReadableStream> {
  const stderr = new BoundedBuffer(STDERR_LIMIT);
  let status: V1Status | undefined;
  const archive = new StreamedArchive(COPY_OUT_TIMINGS, {
    onNoStart: () => new ProviderError(`copying ${path} out of ${target.pod}: no answer within ${COPY_OUT_TIMINGS.startMs / 1000} s`, true),
    onStall: () => new ProviderError(`copying ${path} out of ${target.pod}: the reader stopped reading`, false),
  });
  /** The client ends stdout on the closing Status and then reports it; by the next turn, `status` is known. */
  const closed = () => {
    const code = exitCodeOf(status);
    if (code === 0) return archive.finish();
    const words = stderr.text().trim();
    if (code !== undefined) return archive.finish(new ProviderError(`cannot copy ${path} out: ${words || `tar exited with ${code}`}`, false));
    if (status) return archive.finish(new ProviderError(`copying ${path} out of ${target.pod}: ${status.message ?? status.reason ?? 'failed'}`, false));
    archive.finish(new ProviderError(`copying ${path} out of ${target.pod}: the connection closed before the archive ended`, true));
  };
  archive.stdout.on('finish', () => setImmediate(closed));
  archive.stdout.on('error', () => undefined); // a stray frame after the Status (write after end)
  exec
    .exec(target.namespace, target.pod, target.container, inLab(copyOutCommand(path)), archive.stdout, stderr, null, false, (s) => {
      status = s;
    })
    .then(
      (ws) => {
        archive.attach({ pause: () => ws.pause(), resume: () => ws.resume(), stop: () => ws.terminate() });
        ws.on('close', () => setImmediate(closed));
        ws.on('error', () => setImmediate(closed));
      },
      (e: unknown) => archive.finish(e instanceof Error ? e : new Error(String(e))),
    );
  return archive.started;
}
