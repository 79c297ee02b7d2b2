import { randomUUID } from 'node:crypto';
import { hostHelperName, labDiskDir, runExec } from '@labfleet/provider-docker';
import { docker, eventually, LabfleetStack, NO_RESOURCES, testConfig } from '@labfleet/testing';

jest.setTimeout(120_000);

/**
 * Found by the chaos suite: a failed lab whose clean-up was cut short by an engine restart kept
 * its network and disk for good. Reconcile looked for orphans only among labs with a container
 * left (the others inspect as "gone"), so leftovers without a container were never removed.
 */
describe('reconcile removes what a lab left without a container', () => {
  let stack: LabfleetStack;

  beforeAll(async () => {
    stack = await LabfleetStack.start({ RECONCILE_INTERVAL_SECONDS: '2' });
  });
  afterAll(() => stack?.stop());

  it('a network and a disk with no lab behind them are removed', async () => {
    const ready = await stack.client.waitForLab((await stack.client.post('/api/v1/labs', { template: 'docker' })).body.id, ['ready' as never]);
    expect(ready.status).toBe('ready'); // the engine has the host helper and the instance's disk directory now
    const orphan = randomUUID();
    const instance = stack.instance.instance;
    const network = await docker.createNetwork({ Name: `leftover-${orphan}`, Labels: { 'labfleet.managed': 'true', 'labfleet.instance': instance, 'labfleet.role': 'lab', 'labfleet.lab-id': orphan } });
    // Each leftover is checked as it is made: a reconcile pass may take one away while the next is
    // being made (at CI's load the disk's exec outlasted a pass, which had removed the network).
    expect((await network.inspect()).Name).toBe(`leftover-${orphan}`);
    const disk = await runExec(docker.getContainer(hostHelperName(instance)), docker.modem, {
      command: ['labfleet-host', 'disk', labDiskDir(testConfig(instance).provider.disk.dir, instance), '64', '100000', `${orphan}-node1`],
      timeoutMs: 30_000,
      outputLimitBytes: 4096,
    });
    expect(disk.exitCode).toBe(0);
    expect((await stack.instance.resources(orphan)).disks).toEqual([`${orphan}-node1.img`]);
    await eventually(async () => expect(await stack.instance.resources(orphan)).toEqual(NO_RESOURCES), { timeoutMs: 30_000, what: 'reconcile to remove the leftovers' });
  });
});
