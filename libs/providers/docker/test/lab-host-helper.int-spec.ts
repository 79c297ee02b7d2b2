import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { ProviderError } from '@labfleet/domain';
import { LabHostHelper } from '../src';
import { removeLabResources, testConfig } from '@labfleet/testing';

jest.setTimeout(180_000);

/** Each worker process has its own engine client and its own helper object. */
const workerHelper = (instance: string) => new LabHostHelper(new Docker({ socketPath: '/var/run/docker.sock' }), testConfig(instance));

/**
 * Found by the chaos suite: several workers of a new installation (or after its helper was
 * removed) start the engine's host helper at the same moment. The engine reserves the helper's
 * name before the container exists, so a worker that lost the create race could see "No such
 * container" on start or exec, and failed the student's lab for good (a 404 is not retryable).
 */
describe('LabHostHelper started by several workers at once (real engine)', () => {
  const RETRIES = 3;
  const instances = Array.from({ length: 4 }, () => `t${randomBytes(4).toString('hex')}`);
  afterAll(async () => {
    for (const instance of instances) await removeLabResources(instance);
  });

  it('every worker gets the helper, at once or on a retry; no failure is final', async () => {
    const outcomes = await Promise.all(
      instances.flatMap((instance) =>
        [1, 2, 3].map(async () => {
          const helper = workerHelper(instance);
          // What the provision job does: a retryable failure is tried again after a backoff (the
          // loser of a create race can lose the next round too while the winner's start is slow).
          for (let attempt = 1; ; attempt++) {
            try {
              await helper.ensureRunning();
              return attempt === 1 ? 'ready' : 'ready on retry';
            } catch (e) {
              if (!(e instanceof ProviderError) || !e.retryable) return `final: ${(e as Error).message}`;
              if (attempt === RETRIES + 1) return `final after ${attempt} attempts: ${e.message}`;
              await new Promise((resolve) => setTimeout(resolve, 1000));
            }
          }
        }),
      ),
    );
    expect(outcomes.filter((o) => o.startsWith('final'))).toEqual([]);
  });
});
