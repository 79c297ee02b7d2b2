import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SetupStep } from './lab-template';
import { labNodeNames } from './lab-spec.builder';
import { runSetupPlan, setupDependencies } from './setup-plan';

const seedTemplate = (name: string): { nodes: number; setup: SetupStep[] } =>
  JSON.parse(readFileSync(join(__dirname, '../../../deploy/templates.json'), 'utf8')).templates.find((t: { name: string }) => t.name === name);

/** Resolves when `release(i)` is called: a step that ends when the test says so. */
function gate() {
  const started: number[] = [];
  const releases = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const run = (i: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(i);
      releases.set(i, { resolve, reject });
    });
  const settle = () => new Promise((r) => setImmediate(r));
  return { started, run, settle, release: (i: number) => releases.get(i)!.resolve(), fail: (i: number, e: Error) => releases.get(i)!.reject(e) };
}

describe('set-up plan', () => {
  const nodes = labNodeNames(5);

  it('forms the seed swarm-5 in three rounds: init, the two tokens, then all four joins at once', () => {
    const five = seedTemplate('swarm-5');
    expect(setupDependencies(five.setup, labNodeNames(five.nodes))).toEqual([[], [0], [0, 1], [0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2]]);
  });

  it("keeps a node's steps in order and waits for captures", () => {
    const steps: SetupStep[] = [
      { node: 'node2', run: 'echo a', capture: 'a' },
      { node: 'node3', run: 'echo b' },
      { node: 'node2', run: 'echo c' },
      { node: 'node4', run: 'echo {{ a }}' },
    ];
    expect(setupDependencies(steps, nodes)).toEqual([[], [], [0], [0]]);
  });

  it('orders steps that name each other\'s nodes, by placeholder or hostname, in either direction', () => {
    const steps: SetupStep[] = [
      { node: 'node2', run: 'docker swarm join {{node1}}:2377' },
      { node: 'node1', run: 'docker node ls' },
      { node: 'node3', run: 'curl -s node4:8080' },
      { node: 'node4', run: 'docker run -d -p 8080:80 nginx' },
      { node: 'node5', run: 'ping -c1 node10; ping -c1 mynode3; echo node3-x' },
    ];
    expect(setupDependencies(steps, nodes)).toEqual([[], [0], [], [2], []]);
  });

  it('a step that says nothing of its neighbours runs alongside them', () => {
    const steps: SetupStep[] = [1, 2, 3, 4, 5].map((n) => ({ node: `node${n}`, run: 'docker pull debian' }));
    expect(setupDependencies(steps, nodes)).toEqual([[], [], [], [], []]);
  });

  it('starts a step once the steps it waits for have ended, and independent ones at once', async () => {
    const g = gate();
    const five = seedTemplate('swarm-5');
    const done = runSetupPlan(five.setup, labNodeNames(five.nodes), g.run);
    await g.settle();
    expect(g.started).toEqual([0]);
    g.release(0);
    await g.settle();
    expect(g.started).toEqual([0, 1]);
    g.release(1);
    await g.settle();
    expect(g.started).toEqual([0, 1, 2]);
    g.release(2);
    await g.settle();
    expect(g.started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    [3, 4, 5, 6].forEach(g.release);
    await expect(done).resolves.toBeUndefined();
  });

  it('after a failure starts nothing more, waits for the running steps, and throws the failure', async () => {
    const g = gate();
    const steps: SetupStep[] = [
      { node: 'node1', run: 'a' },
      { node: 'node2', run: 'b' },
      { node: 'node2', run: 'c' },
      { node: 'node3', run: 'd {{node1}}' },
    ];
    let ended = false;
    const outcome = runSetupPlan(steps, nodes, g.run).then(
      () => 'succeeded',
      (e: Error) => e.message,
    ).finally(() => (ended = true));
    await g.settle();
    expect(g.started).toEqual([0, 1]);
    g.fail(1, new Error('b failed'));
    await g.settle();
    expect(ended).toBe(false);
    g.release(0);
    await g.settle();
    expect(g.started).toEqual([0, 1]);
    expect(await outcome).toBe('b failed');
  });

  it('throws the failure of the lowest step when two fail', async () => {
    const g = gate();
    const steps: SetupStep[] = [
      { node: 'node1', run: 'a' },
      { node: 'node2', run: 'b' },
    ];
    const done = runSetupPlan(steps, nodes, g.run);
    await g.settle();
    g.fail(1, new Error('b failed'));
    g.fail(0, new Error('a failed'));
    await expect(done).rejects.toThrow('a failed');
  });
});
