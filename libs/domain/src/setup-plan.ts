import type { SetupStep } from './lab-template';

const PLACEHOLDER = /\{\{\s*([a-zA-Z][\w-]*)\s*\}\}/g;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `run` names `node`: as `{{node}}` or as a word (its hostname), not as part of a longer name. */
function names(run: string, node: string): boolean {
  return new RegExp(`(?<![\\w-])${escape(node)}(?![\\w-])`).test(run);
}

/**
 * Which earlier steps each set-up step waits for (indices, ascending): the steps that can see each
 * other. Step `j` waits for an earlier step `i` when
 * - both run on the same node (a node's steps keep their order),
 * - `j` uses a value `i` captures,
 * - `j` names `i`'s node, by `{{node}}` or by hostname (it talks to that node), or
 * - `i` names `j`'s node (it talked to the node `j` runs on).
 * Steps that see none of that of each other run at the same time: the joins of a swarm on their
 * own nodes, once the token they use is captured. Naming a node in a step (a shell comment will
 * do) makes it wait for that node's earlier steps.
 */
export function setupDependencies(steps: readonly SetupStep[], nodes: readonly string[]): number[][] {
  const named = steps.map((step) => new Set(nodes.filter((node) => names(step.run, node))));
  const uses = steps.map((step) => new Set([...step.run.matchAll(PLACEHOLDER)].map(([, key]) => key)));
  return steps.map((step, j) =>
    steps.slice(0, j).flatMap((earlier, i) => {
      const sees =
        earlier.node === step.node ||
        (earlier.capture !== undefined && uses[j].has(earlier.capture)) ||
        named[j].has(earlier.node) ||
        named[i].has(step.node);
      return sees ? [i] : [];
    }),
  );
}

/**
 * Runs the steps as `setupDependencies` allows: each as soon as the steps it waits for have
 * finished. After a step fails no further step starts; once the running ones have ended, the
 * failure of the lowest index is thrown (the root cause: a step's own failure comes before any
 * of its dependents'). `run` gets the step's index.
 */
export async function runSetupPlan(steps: readonly SetupStep[], nodes: readonly string[], run: (index: number) => Promise<void>): Promise<void> {
  const dependencies = setupDependencies(steps, nodes);
  let failed = false;
  const done: Promise<void>[] = [];
  for (const [j, waitsFor] of dependencies.entries()) {
    done.push(
      Promise.all(waitsFor.map((i) => done[i])).then(async () => {
        if (failed) throw new SkippedStep(j);
        try {
          await run(j);
        } catch (e) {
          failed = true;
          throw e;
        }
      }),
    );
  }
  const results = await Promise.allSettled(done);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof SkippedStep));
  if (failure) throw failure.reason;
}

/** A step not started because another failed first. */
class SkippedStep extends Error {
  constructor(index: number) {
    super(`set-up step ${index + 1} was not run: an earlier one failed`);
  }
}
