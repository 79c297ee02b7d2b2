import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { LabTerminalService } from '@labfleet/lab-lifecycle';
import { toErrorBody } from '../errors/error-body';
import { batchPerTurn } from './batch-per-turn';
import { latestOnly } from './latest-only';
import { parseTerminalMessage } from './terminal-message';

const TERMINAL_PATH = /^\/api\/v1\/labs\/([0-9a-fA-F-]{36})\/terminal\/ws(\?.*)?$/;
const clamp = (value: string | null, fallback: number, max: number) => Math.min(Math.max(Number(value) || fallback, 2), max);

/**
 * The terminal WebSocket: output goes to the browser as binary frames; the browser sends JSON
 * text frames, `{type: "input", data}` and `{type: "resize", cols, rows}`. The one-time ticket in
 * the URL is the credential (`POST /api/v1/labs/{id}/terminal`).
 */
export class TerminalSocket {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  constructor(private readonly terminals: LabTerminalService) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = TERMINAL_PATH.exec(req.url ?? '');
    if (!match) return false;
    const query = new URLSearchParams(match[2] ?? '');
    const size = { cols: clamp(query.get('cols'), 80, 500), rows: clamp(query.get('rows'), 24, 200) };
    this.terminals
      .open(match[1].toLowerCase(), query.get('ticket') ?? '', size)
      .then(({ session, readOnly, typed }) => {
        this.server.handleUpgrade(req, socket, head, (ws) => this.bridge(ws, session, readOnly, typed));
      })
      .catch((e) => {
        const { body } = toErrorBody(e);
        socket.end(`HTTP/1.1 ${body.statusCode} ${body.error}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${body.message}`);
      });
    return true;
  }

  private bridge(ws: WebSocket, session: Awaited<ReturnType<LabTerminalService['open']>>['session'], readOnly: boolean, typed: () => void): void {
    session.onData((chunk) => ws.readyState === WebSocket.OPEN && ws.send(chunk, { binary: true }));
    session.onEnd(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'exit' }));
      ws.close(1000, 'the shell ended');
    });
    // A flood of keystrokes or resizes costs one write to the lab per turn and one resize at a time.
    const write = batchPerTurn((data) => session.write(data));
    const resize = latestOnly(({ cols, rows }: { cols: number; rows: number }) => session.resize(cols, rows));
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? undefined : parseTerminalMessage(data.toString());
      if (message?.type === 'input' && !readOnly) {
        typed();
        write(message.data);
      }
      if (message?.type === 'resize') resize({ cols: clamp(String(message.cols), 80, 500), rows: clamp(String(message.rows), 24, 200) });
    });
    // ws closes the connection itself on a bad frame (1009 over maxPayload, 1002 for a protocol
    // error); unlistened, its 'error' event would be an uncaught exception that ends the API.
    ws.on('error', () => undefined);
    // Proxies drop idle connections: a ping every 25 s keeps a quiet terminal open.
    const keepAlive = setInterval(() => ws.readyState === WebSocket.OPEN && ws.ping(), 25_000);
    ws.on('close', () => {
      clearInterval(keepAlive);
      session.close();
    });
  }
}
