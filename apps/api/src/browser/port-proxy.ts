import type { NextFunction, Request, Response } from 'express';
import { IncomingMessage, request as httpRequest } from 'node:http';
import { connect, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AuthenticatorService } from '@labfleet/accounts';
import { Caller, NotFoundError } from '@labfleet/domain';
import { LabPortsService, PortTarget } from '@labfleet/lab-lifecycle';
import { toErrorBody } from '../errors/error-body';
import { PrincipalCache } from './principal-cache';
import { TunnelAgent, TunnelRoute } from './tunnel-agent';
import { bearerOf, withoutCredentials } from './session-cookie';

/** `/labs/{id}/ports/{port}/rest?query` → lab id, port and the path to ask the student's app for. */
const PORT_PATH = /^\/labs\/([0-9a-fA-F-]{36})\/ports\/(\d{1,5})(\/[^?]*)?(\?.*)?$/;

export interface ProxyTarget extends PortTarget {
  readonly path: string;
  readonly prefix: string;
}

/** How long the student's app has to start answering. */
const ANSWER_TIMEOUT_MS = 30_000;

/** A TCP connection to the lab node, once it is open. */
function connectTcp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Path-based proxy from the browser to a port a container publishes in a lab: HTTP and WebSocket,
 * for whoever may see the lab (bearer header or the web page's session cookie). The API reaches
 * the lab node on its private network, or through the engine (`PORT_PROXY_ROUTE=engine`); nothing
 * in the lab can reach back through it.
 */
export class PortProxy {
  /**
   * A page load asks for many files: who the cookie belongs to is remembered for a few seconds
   * (a role change reaches the proxy that much later). Which lab and address a request goes to is
   * never cached: addresses are reused by later labs.
   */
  private readonly principals: PrincipalCache;
  private readonly tunnels = new TunnelAgent();

  constructor(
    authenticator: AuthenticatorService,
    private readonly ports: LabPortsService,
  ) {
    this.principals = new PrincipalCache((bearer) => authenticator.authenticate(bearer));
  }

  /** Express middleware for `/labs/...`. */
  readonly http = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const match = PORT_PATH.exec(req.originalUrl);
    if (!match) return next();
    if (match[3] === undefined) return res.redirect(301, `${req.originalUrl.replace(/(\?|$)/, '/$1')}`);
    // A student's app shares Labfleet's origin: it must not install a service worker over it.
    if (req.headers['service-worker'] === 'script') return this.fail(res, 403, 'service workers are not allowed behind the port proxy');
    let target: ProxyTarget;
    try {
      target = await this.resolve(req, match);
    } catch (e) {
      const { body } = toErrorBody(e);
      return this.fail(res, body.statusCode, String(body.message));
    }
    // Through the engine: kept streams of this lab, node and port (a lab's address is reused by later labs, its prefix is not).
    const route: Partial<TunnelRoute> & { agent?: TunnelAgent } = target.open ? { agent: this.tunnels, tunnelKey: `${target.prefix}@${target.host}`, open: target.open } : {};
    const upstream = httpRequest({ host: target.host, port: target.port, ...route, method: req.method, path: target.path, headers: this.forwarded(req, target) }, (answer) => {
      clearTimeout(timer);
      res.writeHead(answer.statusCode ?? 502, this.rewriteLocation(answer.headers, target));
      answer.pipe(res);
    });
    const timer = setTimeout(() => upstream.destroy(new Error('timed out')), ANSWER_TIMEOUT_MS);
    upstream.on('error', (e) => {
      clearTimeout(timer);
      this.fail(res, 502, `the lab's port ${target.port} does not answer: ${e.message}`);
    });
    // A browser that goes away mid-answer frees the connection to the lab.
    res.on('close', () => res.writableFinished || upstream.destroy());
    req.pipe(upstream);
  };

  /** Upgrade (WebSocket) requests on the same paths; returns false when the path is not a port path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = PORT_PATH.exec(req.url ?? '');
    if (!match) return false;
    this.resolve(req, match)
      .then(async (target) => {
        let upstream: Duplex;
        try {
          upstream = target.open ? await target.open() : await connectTcp(target.host, target.port);
        } catch {
          return void socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        }
        const headers = Object.entries(this.forwarded(req, target)).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : v === undefined ? [] : [`${k}: ${v}`]));
        upstream.write(`${req.method} ${target.path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.on('close', () => upstream.destroy());
      })
      .catch((e) => {
        const { body } = toErrorBody(e);
        socket.end(`HTTP/1.1 ${body.statusCode} ${body.error}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      });
    return true;
  }

  private async resolve(req: IncomingMessage, match: RegExpExecArray): Promise<ProxyTarget> {
    const [, labId, port, rest, query] = match;
    let caller: Caller;
    try {
      caller = { principal: await this.principals.get(bearerOf(req)), ip: req.socket.remoteAddress ?? null };
    } catch {
      // Without credentials the lab does not exist, as for anyone who may not see it.
      throw new NotFoundError('lab', labId);
    }
    const node = new URLSearchParams(query ?? '').get('labfleet-node') ?? undefined;
    const target = await this.ports.target(caller, labId.toLowerCase(), Number(port), node);
    return { ...target, path: `${rest}${query ?? ''}`, prefix: `/labs/${labId}/ports/${port}` };
  }

  private forwarded(req: IncomingMessage, target: ProxyTarget): IncomingMessage['headers'] {
    return {
      ...withoutCredentials(req.headers),
      host: `${target.host}:${target.port}`,
      'x-forwarded-host': req.headers.host,
      'x-forwarded-prefix': target.prefix,
      'x-forwarded-for': req.socket.remoteAddress,
    };
  }

  /** An app redirecting to `/x` means `/x` on itself: keep the browser inside the proxy path; never widen a worker's scope. */
  private rewriteLocation(headers: IncomingMessage['headers'], target: ProxyTarget): IncomingMessage['headers'] {
    const { 'service-worker-allowed': _widened, ...kept } = headers;
    const location = kept.location;
    return location?.startsWith('/') && !location.startsWith('//') ? { ...kept, location: `${target.prefix}${location}` } : kept;
  }

  private fail(res: Response, status: number, message: string): void {
    if (res.headersSent) return void res.destroy();
    res.status(status).json({ statusCode: status, message });
  }
}
