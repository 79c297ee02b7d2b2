import { CoreV1Api, V1Pod, Watch } from '@kubernetes/client-node';
import { eventually } from '@labfleet/testing';
import { LabInformer } from '../src';
import { KubeObject } from './fake-kube/fake-kube-store';
import { FakeKubeSetup } from './fake-kube-setup';

let setup: FakeKubeSetup;
let informer: LabInformer<V1Pod>;
/** Every event the informer's watches delivered to it, in order: type and resourceVersion. */
let delivered: { type: string; resourceVersion?: string }[];
const SELECTOR = 'labfleet.io/managed=true,labfleet.io/instance=informer';

/** A watch that notes each event it hands on. */
class RecordingWatch extends Watch {
  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(path, query, (type, object: { metadata?: { resourceVersion?: string } } | undefined, raw) => {
      delivered.push({ type, resourceVersion: object?.metadata?.resourceVersion });
      callback(type, object, raw);
    }, done);
  }
}

beforeAll(async () => {
  setup = await FakeKubeSetup.start();
  setup.fake.bookmarkMs = 50;
});
beforeEach(() => {
  const kc = setup.fake.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  delivered = [];
  informer = new LabInformer(new RecordingWatch(kc), '/api/v1/pods', SELECTOR, () => core.listPodForAllNamespaces({ labelSelector: SELECTOR }));
  setup.fake.calls.length = 0;
});
afterEach(() => informer.stop());
afterAll(() => setup.stop());

let n = 0;
/** A pod written straight into the fake API server's store, as another client would make it. */
function addPod(labels: Record<string, string> = { 'labfleet.io/managed': 'true', 'labfleet.io/instance': 'informer' }): KubeObject {
  setup.fake.store.create('namespaces', { metadata: { name: `informer-${++n}` } });
  return setup.fake.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${n}`, namespace: `informer-${n}`, labels }, spec: {} });
}

/** Waits for the fake controller-manager's writes into the pods' new namespaces (kube-root-ca.crt), so nothing changes after. */
async function settled(...pods: KubeObject[]): Promise<void> {
  const published = () => pods.map((p) => Boolean(setup.fake.store.get('configmaps', p.metadata.namespace, 'kube-root-ca.crt')));
  await eventually(() => expect(published()).toEqual(pods.map(() => true)), { timeoutMs: 2000, intervalMs: 10, what: 'kube-root-ca.crt in the new namespaces' });
}
const has = (pod: KubeObject) => () => (informer.get(pod.metadata.namespace!, pod.metadata.name) ? true : undefined);
const hasNot = (pod: KubeObject) => () => (informer.get(pod.metadata.namespace!, pod.metadata.name) ? undefined : true);
const lists = () => setup.fake.calls.filter((c) => c.resource === 'pods' && c.verb === 'list').length;
const watches = () => setup.fake.calls.filter((c) => c.resource === 'pods' && c.verb === 'watch');

describe('LabInformer against a fake Kubernetes API server (not a cluster)', () => {
  it('lists, then watches from the list’s resourceVersion, and sees only its labels', async () => {
    const before = addPod();
    await settled(before);
    await informer.start();
    expect(informer.get(before.metadata.namespace!, before.metadata.name)).toBeDefined();
    expect(watches()).toEqual([expect.objectContaining({ resourceVersion: String(setup.fake.store.currentRevision) })]);
    const other = addPod({ 'labfleet.io/instance': 'someone-else' });
    const after = addPod();
    expect(await informer.waitFor(has(after), 2000)).toBe(true);
    expect(informer.get(other.metadata.namespace!, other.metadata.name)).toBeUndefined();
    expect(informer.connected).toBe(true);
  });

  it('resumes a dropped watch where it left off: no new list, nothing missed', async () => {
    await informer.start();
    const kept = addPod();
    await informer.waitFor(has(kept), 2000);
    setup.fake.dropWatches();
    const whileCut = addPod();
    setup.fake.store.remove('pods', kept.metadata.namespace, kept.metadata.name);
    expect(await informer.waitFor(() => (has(whileCut)() && hasNot(kept)() ? true : undefined), 5000)).toBe(true);
    expect(lists()).toBe(1);
    expect(watches()).toHaveLength(2);
  });

  it('keeps its resume point fresh from bookmarks while nothing of its own changes', async () => {
    await informer.start();
    await settled(addPod({ 'labfleet.io/instance': 'someone-else' }), addPod({ 'labfleet.io/instance': 'someone-else' }));
    const revision = String(setup.fake.store.currentRevision);
    await eventually(() => expect(delivered).toContainEqual({ type: 'BOOKMARK', resourceVersion: revision }), { timeoutMs: 2000, what: 'a bookmark at the latest revision' });
    setup.fake.dropWatches();
    await eventually(() => expect(watches()).toHaveLength(2), { timeoutMs: 2000, what: 'the watch to resume' });
    expect(watches()[1].resourceVersion).toBe(revision);
  });

  it('starts over with a list after 410 Gone (history compacted while the watch was down)', async () => {
    await informer.start();
    const removed = addPod();
    await informer.waitFor(has(removed), 2000);
    setup.fake.bookmarkMs = 60_000; // no bookmark may move the resume point past the compaction
    try {
      setup.fake.dropWatches();
      setup.fake.store.remove('pods', removed.metadata.namespace, removed.metadata.name);
      const added = addPod();
      setup.fake.store.compact();
      expect(await informer.waitFor(() => (has(added)() && hasNot(removed)() ? true : undefined), 5000)).toBe(true);
      expect(lists()).toBe(2);
    } finally {
      setup.fake.bookmarkMs = 50;
    }
  });

  it('reconnects with backoff when the API server answers a watch with an error', async () => {
    await informer.start();
    setup.fake.failNextWatches = 2;
    setup.fake.dropWatches();
    const later = addPod();
    expect(await informer.waitFor(has(later), 5000)).toBe(true);
    expect(watches().length).toBeGreaterThanOrEqual(4);
    expect(informer.connected).toBe(true);
  });

  it('waitFor gives up with undefined when nothing happens in time', async () => {
    await informer.start();
    expect(await informer.waitFor(() => undefined, 50)).toBeUndefined();
  });
});
