import { IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { statusBody } from './fake-kube-routes';

/**
 * The exec WebSockets of the fake API server: `ws` does RFC 6455 (without compression, which the
 * kubelet's x/net/websocket lacks too) and the kubelet's subprotocol negotiation picks the protocol.
 */
export class FakeExecSockets {
  /**
   * The exec subprotocols spoken, v4 by default as a v1.25 kubelet (it also speaks
   * `channel.k8s.io` and `base64.channel.k8s.io`, which @kubernetes/client-node never picks over
   * v4). `v5.channel.k8s.io` first is an API server from v1.30 (`TranslateStreamCloseWebsocketRequests`
   * on by default), which answers v5 itself and carries the streams on to the kubelet.
   */
  protocols: readonly string[] = ['v4.channel.k8s.io'];
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => this.negotiate(offered) ?? false });

  /** Connections still open. */
  get open(): number {
    return this.server.clients.size;
  }

  /** Upgrades the request, or answers 403 as the kubelet's handshake does when it speaks none of the protocols offered. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, serve: (ws: WebSocket) => void): void {
    const offered = req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [];
    if (!this.negotiate(offered)) return refuseUpgrade(socket, 403, 'Forbidden', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${this.protocols.join(' ')}]`);
    this.server.handleUpgrade(req, socket, head, serve);
  }

  /** wsstream's handshake: the first protocol, in the client's order, that the server speaks. */
  private negotiate(offered: Iterable<string>): string | undefined {
    return [...offered].find((p) => this.protocols.includes(p));
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
