import type { NextFunction, Request, Response } from 'express';
import { ProxyServer, type ServerOptions } from 'http-proxy-3';
import { Agent, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AuthenticatorService } from '@labfleet/accounts';
import { Caller, NotFoundError } from '@labfleet/domain';
import { LabPortsService, PortTarget } from '@labfleet/lab-lifecycle';
import { toErrorBody } from '../errors/error-body';
import { PrincipalCache } from './principal-cache';
import { watchTraffic } from './traffic-watch';
import { IDLE_MS, TunnelAgents } from './tunnel-agent';
import { bearerOf, withoutCredentials } from './session-cookie';

/** `/labs/{id}/ports/{port}/rest?query` → lab id, port and the path to ask the student's app for. */
const PORT_PATH = /^\/labs\/([0-9a-fA-F-]{36})\/ports\/(\d{1,5})(\/[^?]*)?(\?.*)?$/;

export interface ProxyTarget extends PortTarget {
  readonly labId: string;
  readonly path: string;
  readonly prefix: string;
}

/** How long the student's app has to start answering (not an idle limit: a slow stream of events may go on). */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * Path-based proxy from the browser to a port a container publishes in a lab: HTTP and WebSocket,
 * for whoever may see the lab (bearer header or the web page's session cookie). The API reaches
 * the lab node on its private network, or through the engine (`PORT_PROXY_ROUTE=engine`); nothing
 * in the lab can reach back through it. The proxying itself is http-proxy-3's.
 */
export class PortProxy {
  /**
   * A page load asks for many files: who the cookie belongs to is remembered for a few seconds
   * (a role change reaches the proxy that much later). Which lab and address a request goes to is
   * never cached: addresses are reused by later labs.
   */
  private readonly principals: PrincipalCache;
  /** Over the lab network: connections kept between requests, as for streams through the engine. */
  private readonly direct = new Agent({ keepAlive: true, timeout: IDLE_MS });
  private readonly tunnels = new TunnelAgents();
  private readonly prefixes = new WeakMap<IncomingMessage, string>();
  /**
   * `xfwd`: X-Forwarded-For, -Proto and -Port keep what the client sent (a proxy in front of
   * Labfleet) and get this hop appended; X-Forwarded-Host keeps the client's, else is its Host.
   */
  private readonly proxy = new ProxyServer({ xfwd: true });

  constructor(
    authenticator: AuthenticatorService,
    private readonly ports: LabPortsService,
  ) {
    this.principals = new PrincipalCache((bearer) => authenticator.authenticate(bearer));
    // Announced for every request but those with `Expect: 100-continue`, which go without this limit.
    this.proxy.on('proxyReq', (upstream) => {
      const timer = setTimeout(() => upstream.destroy(new Error('timed out')), ANSWER_TIMEOUT_MS);
      upstream.once('response', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
    });
    this.proxy.on('proxyRes', (answer, req) => this.rewriteAnswer(answer, this.prefixes.get(req)));
    // A browser's socket failing mid-WebSocket: the library closes the lab's side, nobody is left to answer.
    this.proxy.on('error', () => undefined);
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
    res.once('close', this.watch(req.socket, target));
    this.proxy.web(req, res, this.route(req, target), (e) => this.fail(res, 502, `the lab's port ${target.port} does not answer: ${e.message}`));
  };

  /** Upgrade (WebSocket) requests on the same paths; returns false when the path is not a port path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = PORT_PATH.exec(req.url ?? '');
    if (!match) return false;
    this.resolve(req, match).then(
      (target) => {
        if (socket instanceof Socket) socket.once('close', this.watch(socket, target));
        this.proxy.ws(req, socket, head, this.route(req, target), (e) => refuse(socket, 502, 'Bad Gateway', `the lab's port ${target.port} does not answer: ${e.message}`));
      },
      (e: unknown) => {
        const { body } = toErrorBody(e);
        refuse(socket, body.statusCode, body.error);
      },
    );
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
    return { ...target, labId: labId.toLowerCase(), path: `${rest}${query ?? ''}`, prefix: `/labs/${labId}/ports/${port}` };
  }

  /**
   * Counts the lab as used while bytes move through the browser's connection, either way: a
   * WebSocket's frames, a streamed answer (`target` counted the opening). Returns the stop.
   */
  private watch(connection: Socket, target: ProxyTarget): () => void {
    return watchTraffic(connection, this.ports.trafficCheckMs, () => this.ports.trafficSeen(target.labId));
  }

  /** Makes `req` the request the app gets (its own path, none of Labfleet's credentials) and says where it goes. */
  private route(req: IncomingMessage, target: ProxyTarget): ServerOptions {
    req.url = target.path;
    req.headers = withoutCredentials(req.headers);
    this.prefixes.set(req, target.prefix);
    // Through the engine: kept streams of this lab, node and port (a lab's address is reused by later labs, its prefix is not).
    const agent = target.open ? this.tunnels.agentFor(`${target.prefix}@${target.host}`, target.open) : this.direct;
    return {
      target: { host: target.host, port: target.port },
      agent,
      headers: { host: `${target.host}:${target.port}`, 'x-forwarded-prefix': target.prefix },
    };
  }

  /** An app redirecting to `/x` means `/x` on itself: keep the browser inside the proxy path; never widen a worker's scope. */
  private rewriteAnswer(answer: IncomingMessage, prefix: string | undefined): void {
    delete answer.headers['service-worker-allowed'];
    const { location } = answer.headers;
    if (prefix && location?.startsWith('/') && !location.startsWith('//')) answer.headers.location = `${prefix}${location}`;
  }

  private fail(res: Response, status: number, message: string): void {
    if (res.headersSent) return void res.destroy();
    res.status(status).json({ statusCode: status, message });
  }
}

/** Answers an upgrade request that goes nowhere; once the app's 101 went out the socket carries its frames, and is only closed. */
function refuse(socket: Duplex, status: number, reason: string, message = ''): void {
  if (socket instanceof Socket && socket.bytesWritten > 0) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}
