import type { V1Pod } from '@kubernetes/client-node';
import { parseQuantity, podRequests } from '../../src';
import { FakeKubeStore, KubeObject } from './fake-kube-store';

/** 403 Forbidden from the ResourceQuota admission plugin, in its own words. */
export class QuotaRefusal extends Error {}

const terminal = (pod: KubeObject): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';

const sum = (pods: readonly KubeObject[], of: (p: V1Pod) => number): number => pods.reduce((total, p) => total + of(p as V1Pod), 0);
const limits = (pod: V1Pod, name: string): number =>
  (pod.spec?.containers ?? []).reduce((total, c) => total + parseQuantity((c.resources?.limits as Record<string, string> | undefined)?.[name] ?? '0'), 0);

/** What each quota-counted resource amounts to for one object, and for the namespace's existing ones. */
const MEASURES: Record<string, { resource: string; of: (o: V1Pod) => number; show: (n: number) => string }> = {
  pods: { resource: 'pods', of: () => 1, show: String },
  services: { resource: 'services', of: () => 1, show: String },
  'requests.cpu': { resource: 'pods', of: (p) => podRequests(p).cpus, show: (n) => `${Math.round(n * 1000)}m` },
  'limits.cpu': { resource: 'pods', of: (p) => limits(p, 'cpu'), show: (n) => `${Math.round(n * 1000)}m` },
  'requests.memory': { resource: 'pods', of: (p) => podRequests(p).memoryMb, show: (n) => `${Math.round(n)}Mi` },
  'limits.memory': { resource: 'pods', of: (p) => limits(p, 'memory') / 2 ** 20, show: (n) => `${Math.round(n)}Mi` },
};

const hardOf = (name: string, value: string): number => (name.endsWith('.memory') ? parseQuantity(value) / 2 ** 20 : parseQuantity(value));

/**
 * The ResourceQuota admission plugin, which a real API server runs BEFORE it checks whether the
 * object exists: no pod or Service while a new quota's usage is unknown, none that would take a
 * counted resource past its hard limit (terminal pods do not count), whether or not an object of
 * that name is there already.
 */
export function admitByQuota(store: FakeKubeStore, resource: string, namespace: string, object: KubeObject, quotaSyncMs: number): void {
  const name = object.metadata.name;
  for (const quota of store.list('resourcequotas', namespace, null)) {
    const hard: Record<string, string> = quota.spec?.hard ?? {};
    const counted = Object.keys(hard).filter((k) => MEASURES[k]?.resource === resource);
    if (counted.length === 0) continue;
    if (Date.now() - Date.parse(quota.metadata.creationTimestamp!) < quotaSyncMs) {
      throw new QuotaRefusal(`${resource} "${name}" is forbidden: status unknown for quota: ${quota.metadata.name}, resource: ${counted.sort()[0]}`);
    }
    const existing = store.list(resource, namespace, null).filter((o) => resource !== 'pods' || !terminal(o));
    const over = counted.sort().flatMap((key) => {
      const { of, show } = MEASURES[key];
      const used = sum(existing, of);
      const requested = of(object as V1Pod);
      return used + requested > hardOf(key, hard[key]) + 1e-9 ? [{ key, requested: show(requested), used: show(used), limited: hard[key] }] : [];
    });
    if (over.length) {
      const list = (field: 'requested' | 'used' | 'limited') => over.map((o) => `${o.key}=${o[field]}`).join(',');
      throw new QuotaRefusal(`${resource} "${name}" is forbidden: exceeded quota: ${quota.metadata.name}, requested: ${list('requested')}, used: ${list('used')}, limited: ${list('limited')}`);
    }
  }
}
