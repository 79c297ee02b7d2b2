import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './logged-process';
import { docker } from './test-instance';

const run = promisify(execFile);

/** `docker compose` where the plugin exists (users), else Debian's `docker-compose` 1.29 (these machines). */
export async function composeCommand(): Promise<string[]> {
  return run('docker', ['compose', 'version']).then(
    () => ['docker', 'compose'],
    () => ['docker-compose'],
  );
}

/**
 * A Compose project in `dir` as the README's "Run it" makes one: `docker-compose.yml`, and a `.env`
 * from `.env.example` with fresh secrets and `adminToken`, then `settings` (its own port,
 * installation label and mirror, beside whatever else runs on the engine).
 */
export function writeComposeProject(dir: string, adminToken: string, settings: Record<string, string>): void {
  copyFileSync(join(REPO_ROOT, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
  const env = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8')
    .replace(/^LABFLEET_ADMIN_TOKEN=.*$/m, `LABFLEET_ADMIN_TOKEN=${adminToken}`)
    .replace(/^LABFLEET_JWT_SECRET=.*$/m, `LABFLEET_JWT_SECRET=${randomBytes(32).toString('hex')}`)
    .replace(/^POSTGRES_PASSWORD=.*$/m, `POSTGRES_PASSWORD=${randomBytes(24).toString('hex')}`);
  writeFileSync(join(dir, '.env'), `${env}\n${Object.entries(settings).map(([k, v]) => `${k}=${v}\n`).join('')}`);
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
