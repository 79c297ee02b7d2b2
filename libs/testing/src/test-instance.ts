import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import IORedis from 'ioredis';
import { LabfleetConfig, loadConfig } from '@labfleet/config';
import { courseRegistryNames, hostHelperName, labCgroupRoot, labDiskDir, runExec } from '@labfleet/provider-docker';
import { createTestDatabase, TestDatabase } from './test-database';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789-0123456789';
/** The default (confined) lab image; tests take the image from the profile's default, as installations do. */
export const TEST_LAB_IMAGE = 'labfleet/lab:latest';
/** The plain DinD node of the privileged and runtime profiles (and of the test Swarm's engines). */
export const TEST_DIND_IMAGE = 'labfleet/lab-dind:latest';
/** Test installations share one mirror, so the images are pushed once per machine, not per test. */
export const TEST_REGISTRY = { name: 'labfleet-test-registry', hostPort: '5002' };

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** The validated configuration a provider under test gets, as `loadConfig` makes it from `env`. */
export function testConfig(instance: string, env: Record<string, string> = {}): LabfleetConfig {
  return loadConfig({
    DATABASE_URL: 'postgres://127.0.0.1/unused',
    REDIS_URL: 'redis://127.0.0.1:6379',
    LABFLEET_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LABFLEET_JWT_SECRET: TEST_JWT_SECRET,
    LABFLEET_INSTANCE: instance,
    REGISTRY_NAME: TEST_REGISTRY.name,
    REGISTRY_HOST_PORT: TEST_REGISTRY.hostPort,
    ...env,
  });
}

export interface LabResources {
  readonly containers: string[];
  readonly networks: string[];
  readonly volumes: string[];
  /** File system images (`<lab>-<node>.img`). */
  readonly disks: string[];
  /** cgroup hierarchies where the lab's (or the instance's) cgroups still exist. */
  readonly cgroups: string[];
}

/** A lab (or installation) that holds nothing anywhere. */
export const NO_RESOURCES: LabResources = { containers: [], networks: [], volumes: [], disks: [], cgroups: [] };

/**
 * One isolated Labfleet installation for a test file: its own database, Redis key prefix and
 * `LABFLEET_INSTANCE` label, so test files never see each other's labs, jobs or containers.
 */
export class TestInstance {
  private constructor(
    readonly instance: string,
    readonly db: TestDatabase,
  ) {}

  /** `migrate: false` leaves the database empty, for a test that runs the migration step itself. */
  static async create({ migrate = true } = {}): Promise<TestInstance> {
    return new TestInstance(`t${randomBytes(4).toString('hex')}`, await createTestDatabase(migrate));
  }

  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: this.instance,
      LABFLEET_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LABFLEET_JWT_SECRET: TEST_JWT_SECRET,
      LABFLEET_INSTANCE: this.instance,
      REGISTRY_NAME: TEST_REGISTRY.name,
      REGISTRY_HOST_PORT: TEST_REGISTRY.hostPort,
      TEMPLATES_FILE: 'deploy/templates.json',
      JOB_BACKOFF_MS: '500',
      JOB_LOCK_MS: '4000',
      // Tests make many requests from one address; the abuse-limit test sets its own.
      RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '10000',
      RATE_LIMIT_LABS_PER_MINUTE: '10000',
      RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE: '10000',
      ...overrides,
    };
  }

  /** Everything on the engine labelled as this installation's labs. */
  /**
   * What the instance (or one lab of it) holds on the engine, and on its host (this machine): the
   * disks the host helper made, the cgroups delegated to confined labs.
   */
  async resources(labId?: string): Promise<LabResources> {
    const label = [`labfleet.instance=${this.instance}`, 'labfleet.role=lab', ...(labId ? [`labfleet.lab-id=${labId}`] : [])];
    const [containers, networks, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters: { label } }),
      docker.listNetworks({ filters: { label } }),
      docker.listVolumes({ filters: { label } }),
    ]);
    const diskDir = labDiskDir(testConfig(this.instance).provider.disk.dir, this.instance);
    const cgroupDir = (h: string) => `/sys/fs/cgroup/${h}/${labCgroupRoot(this.instance)}${labId ? `/${labId}` : ''}`;
    return {
      containers: containers.map((c) => c.Names[0]),
      networks: networks.map((n) => n.Name),
      volumes: (volumes.Volumes ?? []).map((v) => v.Name),
      disks: existsSync(diskDir) ? readdirSync(diskDir).filter((f) => f.endsWith('.img') && (!labId || f.startsWith(labId))) : [],
      cgroups: readdirSync('/sys/fs/cgroup').filter((h) => existsSync(cgroupDir(h)) && (labId || readdirSync(cgroupDir(h), { withFileTypes: true }).some((e) => e.isDirectory()))),
    };
  }

  /** Removes what the test made, even when it failed half-way. */
  async destroy(): Promise<void> {
    await removeLabResources(this.instance);
    await removeRedisKeys(this.instance);
    await removeCourseRegistry(this.instance);
    await this.db.drop();
  }
}

/** Deletes the machine's Redis keys under `prefix:` (a test's own installation). */
export async function removeRedisKeys(prefix: string): Promise<void> {
  const redis = new IORedis('redis://127.0.0.1:6379');
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/** The instance's course registry (containers, network, data), when its test turned one on. */
async function removeCourseRegistry(instance: string): Promise<void> {
  const names = courseRegistryNames(testConfig(instance).courseRegistry.name);
  for (const c of [names.front, names.store]) await docker.getContainer(c).remove({ force: true, v: true }).catch(() => undefined);
  await docker.getNetwork(names.network).remove().catch(() => undefined);
  await docker.getVolume(names.volume).remove({ force: true }).catch(() => undefined);
}

/**
 * Removes every lab resource labelled with `instance` (and `labId`), disconnecting the shared test
 * mirror first, then the labs' disks and cgroups (through the instance's host helper) and, for the
 * whole instance, the helper itself.
 */
export async function removeLabResources(instance: string, labId?: string): Promise<void> {
  const label = [`labfleet.instance=${instance}`, 'labfleet.role=lab', ...(labId ? [`labfleet.lab-id=${labId}`] : [])];
  for (const c of await docker.listContainers({ all: true, filters: { label } })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label } })) {
    await docker.getNetwork(n.Id).disconnect({ Container: TEST_REGISTRY.name, Force: true }).catch(() => undefined);
    await docker.getNetwork(n.Id).disconnect({ Container: courseRegistryNames(testConfig(instance).courseRegistry.name).front, Force: true }).catch(() => undefined);
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  for (const v of (await docker.listVolumes({ filters: { label } })).Volumes ?? []) {
    await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
  }
  await removeHostLeftovers(instance, labId);
}

/** What the host helper made for the instance's labs (disks, cgroups); without a lab id, the helper too. */
async function removeHostLeftovers(instance: string, labId?: string): Promise<void> {
  const helper = docker.getContainer(hostHelperName(instance));
  if (!(await helper.inspect().then((i) => i.State.Running, () => false))) return;
  const config = testConfig(instance);
  const dir = labDiskDir(config.provider.disk.dir, instance);
  const run = (...args: string[]) => runExec(helper, docker.modem, { command: ['/usr/local/sbin/labfleet-host', ...args], timeoutMs: 30_000, outputLimitBytes: 65536 });
  if (labId) {
    await run('release', dir, labId, labCgroupRoot(instance));
    return;
  }
  await run('forget', dir, labCgroupRoot(instance));
  await helper.remove({ force: true }).catch(() => undefined);
  // The helper held the directory as its mount: this machine is the engine's host.
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}
