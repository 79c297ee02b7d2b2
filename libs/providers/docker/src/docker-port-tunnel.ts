import type Docker from 'dockerode';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { inLab } from '@labfleet/domain';

const COMPLAINT_LIMIT = 2048;

/**
 * A byte stream to TCP `port` on a lab node, carried by the engine: `socat` runs in the node and
 * joins the exec's stdin and stdout to 127.0.0.1:`port` there, so it needs no route from the
 * caller to the lab network. What socat complains of (nothing listens...) becomes the error.
 * socat exits half a second after either side ends (its default `-t`): the app closing its end
 * ends the stream at once, as an answer delimited by the connection's close needs.
 */
export async function openPortTunnel(container: Docker.Container, modem: Docker['modem'], port: number): Promise<Duplex> {
  const exec = await container.exec({ Cmd: inLab(['socat', 'STDIO', `TCP:127.0.0.1:${port}`]), AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const raw = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  const fromLab = new PassThrough();
  let complaint = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      complaint = (complaint + chunk.toString()).slice(0, COMPLAINT_LIMIT);
      done();
    },
  });
  modem.demuxStream(raw, fromLab, stderr);
  const tunnel = new Duplex({
    read: () => void fromLab.resume(),
    write: (chunk, _encoding, done) => void raw.write(chunk, done),
    final: (done) => {
      raw.end();
      done();
    },
    destroy: (error, done) => {
      raw.destroy();
      done(error);
    },
  });
  fromLab.on('data', (chunk) => tunnel.push(chunk) || fromLab.pause());
  fromLab.on('end', () => tunnel.push(null));
  raw.on('end', () => (complaint ? tunnel.destroy(new Error(socatReason(complaint))) : fromLab.end()));
  raw.on('error', (e) => tunnel.destroy(e));
  return tunnel;
}

/** `2026/11/28 06:30:01 socat[12] E connect(5, AF=2 127.0.0.1:7001, 16): Connection refused` → `Connection refused`. */
export function socatReason(complaint: string): string {
  const line = complaint.trim().split('\n').pop() ?? '';
  return line.replace(/^.*?\bE\s+/, '').replace(/^connect\([^)]*\):\s*/, '') || 'the connection closed';
}
