import { IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { statusBody } from './fake-kube-routes';

/**
 * The exec subprotocols the fake speaks: v4 only, whose error channel carries a v1 Status. A
 * v1.25 kubelet also speaks `channel.k8s.io` and `base64.channel.k8s.io` (a plain-text error
 * channel), which @kubernetes/client-node never picks over v4; v5 came with v1.29.
 */
const CHANNEL_PROTOCOLS: readonly string[] = ['v4.channel.k8s.io'];

/** The kubelet's negotiation (wsstream's handshake): the first protocol, in the client's order, that the server speaks. */
const negotiate = (offered: Iterable<string>): string | undefined => [...offered].find((p) => CHANNEL_PROTOCOLS.includes(p));

/**
 * The exec WebSockets of the fake API server: `ws` does RFC 6455 (without compression, which the
 * kubelet's x/net/websocket lacks too) and the kubelet's subprotocol negotiation picks the protocol.
 */
export class FakeExecSockets {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => negotiate(offered) ?? false });

  /** Connections still open. */
  get open(): number {
    return this.server.clients.size;
  }

  /** Upgrades the request, or answers 403 as the kubelet's handshake does when it speaks none of the protocols offered. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, serve: (ws: WebSocket) => void): void {
    const offered = req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [];
    if (!negotiate(offered)) return refuseUpgrade(socket, 403, 'Forbidden', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${CHANNEL_PROTOCOLS.join(' ')}]`);
    this.server.handleUpgrade(req, socket, head, serve);
  }

  /** Cuts every open connection: upgraded sockets are no longer the HTTP server's to close. */
  closeAll(): void {
    for (const ws of this.server.clients) ws.terminate();
  }
}

/** Answers an upgrade request without upgrading it: an HTTP error with the API server's Status, then the connection closes. */
export function refuseUpgrade(socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify(statusBody(code, reason, message));
  socket.end([`HTTP/1.1 ${code} ${STATUS_CODES[code]}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body].join('\r\n'));
}
