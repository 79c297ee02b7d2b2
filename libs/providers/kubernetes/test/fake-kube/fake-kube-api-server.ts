import { KubeConfig } from '@kubernetes/client-node';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { KubeOpenApiValidator } from '../kube-openapi-validator';
import { startFakeControlPlane, fakeTokenRequest } from './fake-control-plane';
import { checkRunOf, fakeCheckShell } from './fake-check-shell';
import { fakeReadyWait, FakeProcess, isReadyWait, oneShot, runFakeCommand } from './fake-exec';
import { serveExec } from './fake-exec-channels';
import { FakeExecSockets, refuseUpgrade } from './fake-exec-sockets';
import { fakeCopyIn, fakeCopyOut, FakePodFiles } from './fake-files';
import { FakeKubeStore, KubeObject, matchesSelector } from './fake-kube-store';
import { FakeKubelet } from './fake-kubelet';
import { insideLab, outsideLab, runInLabImage } from './fake-lab-image';
import { FakeNetwork } from './fake-network';
import { apiVersionOf, parseRoute, RESOURCES, Route, statusBody, verbOf } from './fake-kube-routes';
import { FakeKubeHandlers, HttpError } from './fake-kube-handlers';
import { fakeTerminal, TerminalRecord } from './fake-terminal';

/** One request as the API server's authorizer sees it. */
export interface RecordedCall {
  readonly verb: string;
  readonly group: string;
  /** `pods`, or `pods/exec` for a subresource. */
  readonly resource: string;
  readonly namespaced: boolean;
  /** For watches: the resourceVersion they resume from. */
  readonly resourceVersion?: string;
  /** The object's name where the request names one: what an RBAC rule's `resourceNames` restricts. */
  readonly name?: string;
}

/**
 * NOT A CLUSTER: an HTTP server on 127.0.0.1 that speaks the part of the Kubernetes REST API
 * the provider uses (namespaces, pods, services, quotas, limit ranges, network policies, nodes,
 * service accounts and their TokenRequest, config maps, endpoints, role bindings and cluster role
 * bindings, the pods/exec WebSocket with stdin, TTY and resize on the v4 or v5 channel protocol, /version), with the API server's answers: 201, 404, 409 AlreadyExists,
 * 422 for objects the v1.25 OpenAPI schema refuses, 403 in a terminating namespace, watches
 * with resourceVersion resume, bookmarks and 410 Gone after compaction. A fake scheduler and
 * kubelet move pod statuses along; nothing runs: exec answers, through the lab image's
 * lab-enter (and only through it), a few commands of the lab image, a TTY shell that echoes,
 * the copy scripts' tar on an in-memory file map per pod, and check scripts sent on stdin.
 */
export class FakeKubeApiServer {
  readonly store = new FakeKubeStore();
  readonly network = new FakeNetwork(this.store);
  readonly kubelet = new FakeKubelet(this.store, (pod, command) => runInLabImage(pod, command, this.network).exitCode);
  readonly calls: RecordedCall[] = [];
  /** Each pod's files, which the copy-in and copy-out scripts read and write. */
  readonly files = new FakePodFiles();
  /** Every TTY exec, in order. */
  readonly terminals: TerminalRecord[] = [];
  private readonly handlers: FakeKubeHandlers;
  private readonly watches = new Set<ServerResponse>();
  private readonly execs = new FakeExecSockets();
  private readonly server: Server;
  bookmarkMs = 100;
  /** The next N watch requests get `500 Internal Server Error` (an API server restarting). */
  failNextWatches = 0;
  url = '';

  private constructor(validator: KubeOpenApiValidator) {
    this.handlers = new FakeKubeHandlers(this.store, this.kubelet, validator);
    startFakeControlPlane(this.store, (ms, fn) => this.kubelet.later(ms, fn));
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  static async start(validator: KubeOpenApiValidator): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer(validator);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  get settings(): FakeKubeHandlers['settings'] {
    return this.handlers.settings;
  }

  /** A client configuration pointing at this server, as a kubeconfig file would. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser({ name: 'fake', server: this.url, skipTLSVerify: true }, { name: 'fake-worker', token: 'not-a-real-token' });
    return kc;
  }

  /** Cuts every open watch connection mid-stream, as a load balancer or an API server restart would. */
  dropWatches(): void {
    for (const res of this.watches) res.socket?.destroy();
  }

  /** Exec subprotocols the server speaks: v4 (a v1.25 cluster) unless a test says otherwise. */
  set execProtocols(protocols: readonly string[]) {
    this.execs.protocols = protocols;
  }

  /** Exec WebSockets still connected. */
  get openExecs(): number {
    return this.execs.open;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  async stop(): Promise<void> {
    this.kubelet.stop();
    this.dropWatches();
    // An exec left open (a terminal) is closed here.
    this.execs.closeAll();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/version') return send(200, { major: '1', minor: '25', gitVersion: 'v1.25.2', platform: 'linux/amd64' });
    const route = parseRoute(url.pathname);
    if (!route) return send(404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    const watch = url.searchParams.get('watch') === 'true';
    this.record(verbOf(req.method ?? 'GET', route, watch), route, watch ? (url.searchParams.get('resourceVersion') ?? '') : undefined);
    try {
      if (watch && this.failNextWatches > 0) {
        this.failNextWatches--;
        return send(500, statusBody(500, 'InternalError', 'etcdserver: leader changed'));
      }
      if (watch) return this.serveWatch(route, url.searchParams, res);
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      if (route.subresource === 'token' && route.resource === 'serviceaccounts' && req.method === 'POST') return send(201, fakeTokenRequest(this.store, route.namespace!, route.name!, body));
      if (req.method === 'POST' && body?.roleRef) this.recordBind(route, body);
      const [code, answer] = this.handlers.handle(req.method ?? 'GET', route, url.searchParams, body);
      send(code, answer);
    } catch (e) {
      if (e instanceof HttpError) return send(e.code, statusBody(e.code, e.reason, e.message));
      send(500, statusBody(500, 'InternalError', String(e)));
    }
  }

  private serveWatch(route: Route, query: URLSearchParams, res: ServerResponse): void {
    const { kind } = RESOURCES[route.resource];
    const selector = query.get('labelSelector');
    const from = query.get('resourceVersion') ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (from && from !== '0' && Number(from) < this.store.compactedAt) {
      send('ERROR', statusBody(410, 'Expired', `too old resource version: ${from} (${this.store.compactedAt})`));
      return void res.end();
    }
    const matching = (o: KubeObject) => (route.namespace === undefined || o.metadata.namespace === route.namespace) && matchesSelector(o.metadata.labels, selector);
    if (!from || from === '0') for (const o of this.store.list(route.resource, route.namespace, selector)) send('ADDED', o);
    else for (const e of this.store.since(route.resource, Number(from))) if (matching(e.object)) send(e.type, e.object);
    const unsubscribe = this.store.subscribe((e) => e.resource === route.resource && matching(e.object) && send(e.type, e.object));
    const bookmarks =
      query.get('allowWatchBookmarks') === 'true'
        ? setInterval(() => send('BOOKMARK', { kind, apiVersion: apiVersionOf(route.group), metadata: { resourceVersion: String(this.store.currentRevision) } }), this.bookmarkMs)
        : undefined;
    this.watches.add(res);
    res.on('close', () => {
      unsubscribe();
      clearInterval(bookmarks);
      this.watches.delete(res);
    });
  }

  /**
   * `pods/exec` over WebSocket: newer API servers authorize it as `create`, older ones as `get`.
   * Refused before any handshake, in the real order: the route, the pod, its container, then the
   * kubelet's subprotocol negotiation.
   */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.url);
    const route = parseRoute(url.pathname);
    if (route?.resource !== 'pods' || route.subresource !== 'exec') return refuseUpgrade(socket, 404, 'NotFound', 'the server could not find the requested resource');
    this.record('create', route);
    this.record('get', route);
    const pod = this.store.get('pods', route.namespace, route.name!);
    if (!pod) return refuseUpgrade(socket, 404, 'NotFound', `pods "${route.name}" not found`);
    if (!pod.status?.containerStatuses?.[0]?.state?.running) return refuseUpgrade(socket, 400, 'BadRequest', `container not found ("${url.searchParams.get('container')}")`);
    const command = url.searchParams.getAll('command');
    const tty = url.searchParams.get('tty') === 'true';
    const streams = { tty, stdin: url.searchParams.get('stdin') === 'true' };
    this.execs.upgrade(req, socket, head, (ws) => serveExec(ws, streams, this.process(pod, command, tty), (ms, fn) => this.kubelet.later(ms, fn)));
  }

  /**
   * What an exec runs, inside the lab (a command that does not come through lab-enter is refused):
   * a shell behind a TTY, the copy scripts (recognized by their `$0`), a check script on stdin, or
   * a one-shot command.
   */
  private process(pod: KubeObject, command: string[], tty: boolean): FakeProcess {
    const argv = insideLab(command);
    if (tty) {
      const record: TerminalRecord = { pod: pod.metadata.name, command, sizes: [], input: '', hungUp: false };
      this.terminals.push(record);
      return argv ? fakeTerminal(record) : oneShot(outsideLab(command));
    }
    if (!argv) return oneShot(outsideLab(command));
    if (isReadyWait(argv)) return fakeReadyWait(() => this.samePod(pod), Number(argv[2]));
    const check = checkRunOf(argv);
    if (check) return fakeCheckShell(check, (words) => runFakeCommand(pod, words, this.network));
    const [sh, c, , name, ...args] = argv;
    if (sh === 'sh' && c === '-c' && name === 'labfleet-copy-in') return fakeCopyIn(this.files.of(pod), args[0], Number(args[1]));
    if (sh === 'sh' && c === '-c' && name === 'labfleet-copy-out') return fakeCopyOut(this.files.of(pod), args[0], args[1], args[2]);
    return oneShot(runFakeCommand(pod, argv, this.network));
  }

  /** The pod as it is now, while it is still the one an exec started in. */
  private samePod(pod: KubeObject): KubeObject | undefined {
    const now = this.store.get('pods', pod.metadata.namespace, pod.metadata.name);
    return now?.metadata.uid === pod.metadata.uid ? now : undefined;
  }

  private record(verb: string, route: Route, resourceVersion?: string): void {
    const resource = route.subresource ? `${route.resource}/${route.subresource}` : route.resource;
    this.calls.push({
      verb,
      group: route.group,
      resource,
      namespaced: route.namespace !== undefined,
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
      ...(route.name === undefined ? {} : { name: route.name }),
    });
  }

  /**
   * RBAC's escalation check: a binding to a role whose rights the caller does not hold itself is
   * allowed only with `bind` on that role, authorized as its own request (the worker holds none of
   * a student's rights: it binds).
   */
  private recordBind(route: Route, body: KubeObject): void {
    const { kind, name } = body.roleRef!;
    this.calls.push({ verb: 'bind', group: 'rbac.authorization.k8s.io', resource: `${kind.toLowerCase()}s`, namespaced: route.namespace !== undefined && kind === 'Role', name });
  }
}

function readJson(req: IncomingMessage): Promise<KubeObject> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    req.on('error', reject);
  });
}
