import Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { AttachRequest, inLab, TerminalSession } from '@labfleet/domain';

/**
 * Runs a command with a TTY in a lab node and returns its raw stream: with a TTY Docker
 * sends the bytes as they are (no stdout/stderr multiplexing), so they go to the browser untouched.
 */
export async function attachTerminal(container: Docker.Container, request: AttachRequest): Promise<TerminalSession> {
  const exec = await container.exec({
    Cmd: inLab(request.command),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: ['TERM=xterm-256color', 'LANG=C.UTF-8'],
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const resize = (cols: number, rows: number) => exec.resize({ w: cols, h: rows }).then(() => undefined);
  await resize(request.cols, request.rows).catch(() => undefined);
  let ended = false;
  const endListeners: (() => void)[] = [];
  const end = () => {
    if (ended) return;
    ended = true;
    endListeners.forEach((l) => l());
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    onData: (listener) => stream.on('data', listener),
    onEnd: (listener) => (ended ? listener() : endListeners.push(listener)),
    write: (data) => {
      if (!ended) stream.write(data);
    },
    resize,
    close: () => stream.destroy(),
  };
}
