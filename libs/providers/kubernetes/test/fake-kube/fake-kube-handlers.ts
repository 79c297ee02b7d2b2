import { KubeOpenApiValidator } from '../kube-openapi-validator';
import { FakeKubeStore, KubeObject } from './fake-kube-store';
import { FakeKubelet } from './fake-kubelet';
import { admitByQuota, QuotaRefusal } from './fake-quota';
import { apiVersionOf, RESOURCES, Route } from './fake-kube-routes';

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const NAMESPACED = Object.entries(RESOURCES)
  .filter(([, r]) => r.namespaced)
  .map(([name]) => name);

/** Create, get, list, delete and deletecollection, with the API server's rules and error answers. */
export class FakeKubeHandlers {
  readonly settings = {
    /** Time from a namespace's DELETE to its disappearance (the namespace controller emptying it). */
    namespaceDeleteMs: 40,
    /** Graceful deletion of a pod (its containers stopping; the lab pods' grace period is 5 s). */
    podDeleteMs: 20,
    /** A new ResourceQuota refuses pods until the quota controller has computed it. */
    quotaSyncMs: 30,
    /** The `ProcMountType` feature gate (alpha in 1.25): off, the API server turns every `procMount` into `Default`. */
    procMountType: true,
  };

  constructor(
    private readonly store: FakeKubeStore,
    private readonly kubelet: FakeKubelet,
    private readonly validator: KubeOpenApiValidator,
  ) {}

  handle(method: string, route: Route, query: URLSearchParams, body: KubeObject | undefined): [number, unknown] {
    const { resource, namespace, name } = route;
    const selector = query.get('labelSelector');
    if (method === 'GET' && name) return [200, this.existing(route)];
    if (method === 'GET') {
      const { kind } = RESOURCES[resource];
      const items = this.store.list(resource, namespace, selector);
      return [200, { kind: `${kind}List`, apiVersion: apiVersionOf(route.group), metadata: { resourceVersion: String(this.store.currentRevision) }, items }];
    }
    if (method === 'POST' && !name) return [201, this.create(route, body!)];
    if (method === 'DELETE' && name) return [200, this.remove(route, query)];
    if (method === 'DELETE') {
      for (const o of this.store.list(resource, namespace, selector)) this.remove({ ...route, name: o.metadata.name }, query);
      return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }];
    }
    throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported here`);
  }

  private existing(route: Route): KubeObject {
    const found = this.store.get(route.resource, route.namespace, route.name!);
    if (!found) throw new HttpError(404, 'NotFound', `${route.resource} "${route.name}" not found`);
    return found;
  }

  private create(route: Route, body: KubeObject): KubeObject {
    const { resource, namespace } = route;
    const name = body.metadata?.name;
    const problems = this.validator.validate(body);
    if (problems.length) throw new HttpError(422, 'Invalid', `${RESOURCES[resource].kind} "${name}" is invalid: ${problems.join('; ')}`);
    if (namespace !== undefined) {
      if (body.metadata.namespace && body.metadata.namespace !== namespace) throw new HttpError(400, 'BadRequest', 'the namespace of the object does not match the namespace on the request');
      const ns = this.store.get('namespaces', undefined, namespace);
      if (!ns) throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`);
      if (ns.metadata.deletionTimestamp) {
        throw new HttpError(403, 'Forbidden', `${resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
      }
    }
    // Admission runs before the existence check, as on a real API server: a re-create a quota
    // counts is refused with 403, not 409.
    if (namespace !== undefined) {
      try {
        admitByQuota(this.store, resource, namespace, body, this.settings.quotaSyncMs);
      } catch (e) {
        if (e instanceof QuotaRefusal) throw new HttpError(403, 'Forbidden', e.message);
        throw e;
      }
    }
    if (this.store.get(resource, namespace, name)) throw new HttpError(409, 'AlreadyExists', `${resource} "${name}" already exists`);
    const object: KubeObject = { ...body, metadata: { ...body.metadata, namespace } };
    if (resource === 'namespaces') {
      object.metadata.labels = { ...body.metadata.labels, 'kubernetes.io/metadata.name': name };
      object.status = { phase: 'Active' };
    }
    if (resource === 'pods') {
      if (!this.settings.procMountType) object.spec = withDefaultProcMount(object.spec);
      object.status = { phase: 'Pending' };
    }
    const created = this.store.create(resource, object);
    if (resource === 'pods') this.kubelet.start(created);
    return created;
  }

  private remove(route: Route, query: URLSearchParams): KubeObject {
    const object = this.existing(route);
    const { resource, namespace, name } = route;
    const later = (ms: number, fn: () => void) => this.kubelet.later(ms, fn);
    const removeIfSame = (res: string, ns: string | undefined, o: KubeObject) => {
      if (this.store.get(res, ns, o.metadata.name)?.metadata.uid === o.metadata.uid) this.store.remove(res, ns, o.metadata.name);
    };
    if (resource === 'namespaces') {
      if (object.metadata.deletionTimestamp) return object;
      const terminating = this.store.update('namespaces', { ...object, metadata: { ...object.metadata, deletionTimestamp: new Date().toISOString() }, status: { phase: 'Terminating' } });
      // The namespace controller deletes its pods gracefully (a pod deleted with no grace period
      // meanwhile goes at once), then the rest: the namespace goes once its pods have.
      for (const pod of this.store.list('pods', name, null)) this.remove({ ...route, resource: 'pods', namespace: name, name: pod.metadata.name }, new URLSearchParams());
      const finish = () => {
        if (this.store.list('pods', name, null).length > 0) return later(10, finish);
        for (const res of NAMESPACED) for (const o of this.store.list(res, name, null)) removeIfSame(res, name, o);
        removeIfSame('namespaces', undefined, terminating);
      };
      later(this.settings.namespaceDeleteMs, finish);
      return terminating;
    }
    if (resource === 'pods' && query.get('gracePeriodSeconds') !== '0') {
      if (object.metadata.deletionTimestamp) return object;
      const deleting = this.store.update('pods', { ...object, metadata: { ...object.metadata, deletionTimestamp: new Date().toISOString() } });
      later(this.settings.podDeleteMs, () => removeIfSame('pods', namespace, deleting));
      return deleting;
    }
    this.store.remove(resource, namespace, name!);
    return object;
  }
}

/** What 1.25's API server does to a pod spec with the gate off (it keeps the field, set to the default). */
function withDefaultProcMount(spec: any): any {
  const containers = (spec.containers as any[]).map((c) => (c.securityContext?.procMount ? { ...c, securityContext: { ...c.securityContext, procMount: 'Default' } } : c));
  return { ...spec, containers };
}
