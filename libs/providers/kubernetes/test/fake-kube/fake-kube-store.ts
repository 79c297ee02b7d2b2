import { randomUUID } from 'node:crypto';

/** An object as the fake API server keeps it: plain JSON in its wire form. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any;
  status?: any;
  /** Kinds without a spec: ConfigMap, Endpoints, RoleBinding and ClusterRoleBinding. */
  data?: Record<string, string>;
  subsets?: any[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: any[];
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly rv: number;
  readonly resource: string;
  readonly type: EventType;
  readonly object: KubeObject;
}

/** `k=v,k2=v2` (equality selectors: all the provider sends). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return labels?.[key] === value;
  });
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/**
 * The fake API server's etcd: objects by resource, one resourceVersion counter for all, and the
 * event history watches replay from. `compact()` forgets that history, as etcd compaction does,
 * so a watch resuming from before it gets `410 Gone`.
 */
export class FakeKubeStore {
  private revision = 1000;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  /** Watches from a resourceVersion at or below this get 410 Gone. */
  compactedAt = 0;

  get currentRevision(): number {
    return this.revision;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(this.key(resource, namespace, name));
    return found && clone(found);
  }

  list(resource: string, namespace: string | undefined, selector: string | null): KubeObject[] {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${resource}/`))
      .map(([, o]) => o)
      .filter((o) => (namespace === undefined || o.metadata.namespace === namespace) && matchesSelector(o.metadata.labels, selector))
      .map(clone);
  }

  create(resource: string, object: KubeObject): KubeObject {
    const stored = clone(object);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = new Date().toISOString();
    return this.write(resource, 'ADDED', stored);
  }

  update(resource: string, object: KubeObject): KubeObject {
    return this.write(resource, 'MODIFIED', clone(object));
  }

  remove(resource: string, namespace: string | undefined, name: string): void {
    const key = this.key(resource, namespace, name);
    const object = this.objects.get(key);
    if (!object) return;
    this.objects.delete(key);
    object.metadata.resourceVersion = String(++this.revision);
    this.emit({ rv: this.revision, resource, type: 'DELETED', object });
  }

  /** Events of `resource` after `rv`, oldest first. */
  since(resource: string, rv: number): StoreEvent[] {
    return this.history.filter((e) => e.resource === resource && e.rv > rv);
  }

  compact(): void {
    this.compactedAt = this.revision;
    this.history.length = 0;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(resource: string, type: EventType, object: KubeObject): KubeObject {
    object.metadata.resourceVersion = String(++this.revision);
    this.objects.set(this.key(resource, object.metadata.namespace, object.metadata.name), object);
    this.emit({ rv: this.revision, resource, type, object: clone(object) });
    return clone(object);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    for (const listener of [...this.listeners]) listener(event);
  }

  private key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }
}
