import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { ProviderError } from '@labfleet/domain';
import { RegistryMirror } from '../src/registry-mirror';
import { eventually, freePort, testConfig } from '@labfleet/testing';

jest.setTimeout(120_000);

const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/**
 * Found by the Swarm stack's deployment test: the stack's two workers fill each lab node's mirror
 * at start, at the same moment. The engine's duplicate-name check is not atomic, so each made the
 * mirror's network, after which its name was ambiguous and the mirror could never start on that
 * node: its labs pulled no image, for good.
 */
describe('RegistryMirror started by several workers at once (real engine)', () => {
  const instance = `t${randomBytes(4).toString('hex')}`;
  const registry = `${instance}-registry`;
  const filters = { label: [`labfleet.instance=${instance}`] };

  afterAll(async () => {
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
  });

  it('every worker gets the one mirror, at once or on a retry, on one network', async () => {
    const config = testConfig(instance, { REGISTRY_MODE: 'push', REGISTRY_NAME: registry, REGISTRY_HOST_PORT: String(await freePort()) });
    // Each worker process has its own engine client and its own mirror object.
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const mirror = new RegistryMirror(new Docker({ socketPath: '/var/run/docker.sock' }), config);
        try {
          await mirror.ensureRunning();
          return 'ready';
        } catch (e) {
          // What a job does with it: a retryable failure is tried again, after a backoff.
          if (!(e instanceof ProviderError) || !e.retryable) return `final: ${(e as Error).message}`;
          return eventually(() => mirror.ensureRunning(), { timeoutMs: 15_000, what: 'the mirror, on retries' }).then(() => 'ready on retry', (again: Error) => again.message);
        }
      }),
    );
    expect(outcomes.filter((o) => !o.startsWith('ready'))).toEqual([]);
    const networks = (await docker.listNetworks({ filters })).map((n) => n.Name);
    expect(networks).toEqual([`${registry}-net`]);
    expect((await docker.getContainer(registry).inspect()).State.Running).toBe(true);
  });
});
