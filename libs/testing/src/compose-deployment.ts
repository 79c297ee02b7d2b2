import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { docker } from './test-instance';

const run = promisify(execFile);

/** `docker compose` where the plugin exists (users), else Debian's `docker-compose` 1.29 (these machines). */
export async function composeCommand(): Promise<string[]> {
  return run('docker', ['compose', 'version']).then(
    () => ['docker', 'compose'],
    () => ['docker-compose'],
  );
}

/** Removes every container, network and volume Labfleet made for `instance` (labs, their networks, the mirror); returns how many. */
export async function removeInstance(instance: string): Promise<number> {
  const filters = { label: [`labfleet.instance=${instance}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  const { Volumes } = await docker.listVolumes({ filters });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined)));
  return containers.length + networks.length + (Volumes?.length ?? 0);
}
