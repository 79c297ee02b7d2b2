import { FakeKubeStore, KubeObject } from './fake-kube-store';
import { FakeScheduler } from './fake-scheduler';

/** How the fake kubelet treats a new pod once it is placed. */
export type PodScenario = 'ready' | 'image-pull-back-off' | 'oom-killed' | 'crash-loop' | 'stays-pending';

type Status = Record<string, any>;
const now = () => new Date().toISOString();
const cond = (type: string, status: 'True' | 'False', extra: Status = {}) => ({ type, status, lastTransitionTime: now(), ...extra });
const container = (state: Status, extra: Status = {}) => ({ name: 'dind', image: 'labfleet/lab:latest', imageID: '', ready: false, restartCount: 0, state, ...extra });

const scheduled = [cond('PodScheduled', 'True')];
const creating: Status = { phase: 'Pending', conditions: scheduled, containerStatuses: [container({ waiting: { reason: 'ContainerCreating' } })] };

/** The pod statuses each scenario goes through, a step apart. */
const SCENARIOS: Record<PodScenario, (ip: string) => Status[]> = {
  ready: (ip) => [
    creating,
    { phase: 'Running', podIP: ip, conditions: [...scheduled, cond('Ready', 'False')], containerStatuses: [container({ running: { startedAt: now() } })] },
    { phase: 'Running', podIP: ip, conditions: [...scheduled, cond('Ready', 'True')], containerStatuses: [container({ running: { startedAt: now() } }, { ready: true })] },
  ],
  'image-pull-back-off': () => [
    creating,
    { phase: 'Pending', conditions: scheduled, containerStatuses: [container({ waiting: { reason: 'ErrImagePull', message: 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/labfleet/lab:nope": not found' } })] },
    { phase: 'Pending', conditions: scheduled, containerStatuses: [container({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "labfleet/lab:nope"' } })] },
  ],
  'oom-killed': (ip) => [
    creating,
    { phase: 'Running', podIP: ip, conditions: scheduled, containerStatuses: [container({ running: { startedAt: now() } })] },
    { phase: 'Failed', podIP: ip, conditions: scheduled, containerStatuses: [container({ terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: now(), finishedAt: now() } })] },
  ],
  'crash-loop': (ip) => [
    creating,
    {
      phase: 'Running',
      podIP: ip,
      conditions: scheduled,
      containerStatuses: [
        container({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=dind' } }, { restartCount: 2, lastState: { terminated: { reason: 'Error', exitCode: 1, message: 'failed to start daemon' } } }),
      ],
    },
  ],
  'stays-pending': () => [creating],
};

const isReady = (status: Status): boolean => (status.conditions as Status[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Runs a command in a pod's container as the kubelet's exec probe does; its exit code. */
export type ProbeRunner = (pod: KubeObject, command: readonly string[]) => number;

/**
 * Stands in for the kubelet (and, through `FakeScheduler`, the scheduler): once a new pod has a
 * node, moves its status through a scenario, one step every `stepMs`, as the real ones would
 * report it. Not a cluster: nothing runs, but a pod's exec readiness probe is asked (once,
 * through `probe`): a pod whose probe fails stays running and not Ready.
 */
export class FakeKubelet {
  scenario: (pod: KubeObject) => PodScenario = () => 'ready';
  stepMs = 15;
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextIp = 2;
  readonly scheduler: FakeScheduler;

  constructor(
    private readonly store: FakeKubeStore,
    private readonly probe: ProbeRunner,
  ) {
    this.scheduler = new FakeScheduler(store);
  }

  start(pod: KubeObject): void {
    const scenario = this.scenario(pod);
    this.scheduler.schedule(pod, () => {
      const current = this.store.get('pods', pod.metadata.namespace, pod.metadata.name);
      if (!current || current.metadata.uid !== pod.metadata.uid) return;
      this.store.update('pods', { ...current, spec: { ...current.spec, nodeName: this.scheduler.nodeName } });
      this.run(pod, scenario);
    });
  }

  private run(pod: KubeObject, scenario: PodScenario): void {
    const ip = `10.244.0.${this.nextIp++ % 250}`;
    const ready = this.passesReadiness(pod);
    SCENARIOS[scenario](ip)
      .filter((status) => ready || !isReady(status))
      .forEach((status, i) => this.later((i + 1) * this.stepMs, () => this.setStatus(pod, status)));
  }

  /** The node's container stops later on (a crash after it was ready). */
  terminate(namespace: string, name: string, reason: string, exitCode: number): void {
    const pod = this.store.get('pods', namespace, name);
    if (pod) this.setStatus(pod, { ...pod.status, phase: 'Failed', containerStatuses: [container({ terminated: { reason, exitCode, finishedAt: now() } })] });
  }

  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.scheduler.forget();
  }

  /** A container without a readiness probe is Ready once running, as with the real kubelet. */
  private passesReadiness(pod: KubeObject): boolean {
    const command = pod.spec?.containers?.[0]?.readinessProbe?.exec?.command as string[] | undefined;
    return !command || this.probe(pod, command) === 0;
  }

  private setStatus(pod: KubeObject, status: Status): void {
    const current = this.store.get('pods', pod.metadata.namespace, pod.metadata.name);
    // A pod deleted (or replaced) meanwhile is not ours to update.
    if (!current || current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) return;
    this.store.update('pods', { ...current, status });
  }
}
