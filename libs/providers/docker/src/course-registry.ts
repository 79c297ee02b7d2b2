import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { LabfleetConfig } from '@labfleet/config';
import { CourseRegistryPort, ProviderError } from '@labfleet/domain';
import { buildCourseRegistryFront, buildCourseRegistryStore, COURSE_REGISTRY_ROOT, courseRegistryNames } from './course-registry.builder';
import { runExec } from './docker-exec';
import { toProviderError, tolerate } from './docker-errors';
import { LABEL_INSTANCE, LABEL_MANAGED, LABEL_ROLE } from './lab-resource-names';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LABEL_CERT = 'labfleet.registry-cert';
const EXEC = { timeoutMs: 120_000, outputLimitBytes: 1024 * 1024 };

/**
 * Bytes of the distinct layers linked under a namespace (`$1`): a layer shared by two of the
 * student's images counts once, one shared with a classmate counts for both.
 */
const USAGE_SCRIPT = `cd ${COURSE_REGISTRY_ROOT} && [ -d "repositories/$1" ] || { echo 0; exit 0; }
find "repositories/$1" -path '*/_layers/sha256/*/link' | while read -r l; do basename "$(dirname "$l")"; done | sort -u |
while read -r d; do stat -c %s "blobs/sha256/$(echo "$d" | cut -c1-2)/$d/data" 2>/dev/null; done | awk '{s+=$1} END {print s+0}'`;

/**
 * The course registry on a Docker engine: a `registry:2` (the store, on an internal network of its
 * own, with its data volume) behind an nginx (the front) that joins every lab network as the
 * registry's host name. The front forwards `/v2/` to the store and `/token` to Labfleet's API,
 * because labs reach nothing of the platform's but what joins their network.
 */
export class CourseRegistry implements CourseRegistryPort {
  private ready: Promise<void> | null = null;
  private certificate: string | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly config: Pick<LabfleetConfig, 'instance'> & Partial<Pick<LabfleetConfig, 'courseRegistry'>>,
  ) {}

  get enabled(): boolean {
    return this.config.courseRegistry?.enabled === true;
  }

  /** Read only when enabled. */
  private get settings(): LabfleetConfig['courseRegistry'] {
    return this.config.courseRegistry!;
  }

  /** `host:port` for the lab daemon's `--insecure-registry`, or null when there is none. */
  get host(): string | null {
    return this.enabled ? this.settings.host : null;
  }

  private get names() {
    return courseRegistryNames(this.settings.name);
  }

  start(certificatePem: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (this.certificate !== certificatePem) this.ready = null;
    this.certificate = certificatePem;
    this.ready ??= this.run(certificatePem).catch((e) => {
      this.ready = null;
      const error = toProviderError(e, 'starting the course registry');
      throw error instanceof ProviderError ? new ProviderError(error.message, true) : error;
    });
    return this.ready;
  }

  /** Joins the front to a lab network; the registry must have been started (the worker does at boot). */
  async connect(network: string): Promise<void> {
    if (!this.enabled) return;
    if (!this.certificate) throw new ProviderError('the course registry was not started', true);
    await this.start(this.certificate);
    const alias = this.settings.host.split(':')[0];
    await tolerate(this.docker.getNetwork(network).connect({ Container: this.names.front, EndpointConfig: { Aliases: [alias] } }), [403, 409]).catch((e) => {
      if (!/already exists/.test(String(e))) throw e;
    });
  }

  async disconnect(network: string): Promise<void> {
    if (!this.enabled) return;
    await tolerate(this.docker.getNetwork(network).disconnect({ Container: this.names.front, Force: true }), [404, 403, 409, 500]);
  }

  async usageBytes(courseId: string, userId: string): Promise<number> {
    if (!UUID.test(courseId) || !UUID.test(userId)) return 0;
    const out = await this.sh(USAGE_SCRIPT, `${courseId}/${userId}`);
    return Number(out.trim()) || 0;
  }

  async listCourses(): Promise<string[]> {
    const out = await this.sh(`ls -1 ${COURSE_REGISTRY_ROOT}/repositories 2>/dev/null || true`);
    return out.split('\n').filter((name) => UUID.test(name));
  }

  async removeCourses(courseIds: readonly string[]): Promise<void> {
    const ids = courseIds.filter((id) => UUID.test(id));
    if (ids.length === 0) return;
    await this.sh(`cd ${COURSE_REGISTRY_ROOT}/repositories && rm -rf -- "$@"`, ...ids);
    // Blobs are shared by content across repositories: only the collector knows which are free now.
    await this.sh('registry garbage-collect --delete-untagged /etc/labfleet/config.yml');
  }

  private async sh(script: string, ...args: string[]): Promise<string> {
    if (!this.enabled) throw new ProviderError('the course registry is off (COURSE_REGISTRY=off)', false);
    const result = await runExec(this.docker.getContainer(this.names.store), this.docker.modem, { command: ['sh', '-c', script, 'sh', ...args], ...EXEC });
    if (result.exitCode !== 0) throw new ProviderError(`course registry storage: ${result.stderr || result.stdout || `exit ${result.exitCode}`}`.slice(0, 500), true);
    return result.stdout;
  }

  private async run(certificatePem: string): Promise<void> {
    const { store, front, volume, network } = this.names;
    const fingerprint = createHash('sha256').update(certificatePem).digest('hex').slice(0, 32);
    const labels = { [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: this.config.instance, [LABEL_ROLE]: 'course-registry', [LABEL_CERT]: fingerprint };
    await tolerate(this.docker.createVolume({ Name: volume, Labels: labels }), [409]);
    await tolerate(this.docker.createNetwork({ Name: network, Internal: true, CheckDuplicate: true, Labels: labels }), [409]);
    await this.ensureContainer(store, fingerprint, buildCourseRegistryStore(this.settings, { volume, network, labels, certificatePem }));
    await this.ensureContainer(front, fingerprint, buildCourseRegistryFront(this.settings, { network, labels }));
    const outside = this.settings.apiNetwork ?? 'bridge';
    await tolerate(this.docker.getNetwork(outside).connect({ Container: front }), [403, 409]).catch((e) => {
      if (!/already exists/.test(String(e))) throw e;
    });
  }

  /** Creates and starts the container, replacing one made for another certificate. */
  private async ensureContainer(name: string, fingerprint: string, options: Docker.ContainerCreateOptions): Promise<void> {
    let existing: Docker.ContainerInspectInfo | undefined | null = await tolerate(this.docker.getContainer(name).inspect(), [404]);
    if (existing && existing.Config.Labels[LABEL_CERT] !== fingerprint) {
      await tolerate(this.docker.getContainer(name).remove({ force: true }), [404, 409]);
      existing = undefined;
    }
    if (!existing) await tolerate(this.docker.createContainer({ ...options, name }), [409]);
    if (!existing?.State.Running) await tolerate(this.docker.getContainer(name).start(), [304]);
  }
}
