import { rmSync } from 'node:fs';
import { testRunDir } from '../test-run-dir';

/** The e2e project's global teardown: removes what the run's files shared, and fails the run if any of it stays. */
export default async function teardown(): Promise<void> {
  const dir = testRunDir();
  // Loaded only now: the Swarm helpers need the compiled libraries, which only the e2e files themselves require.
  const { stopSharedSwarm } = await import('../shared-swarm-cluster');
  const left = await stopSharedSwarm(dir);
  rmSync(dir, { recursive: true, force: true });
  if (left.length) throw new Error(`the shared test swarm left: ${left.join(', ')}`);
}
