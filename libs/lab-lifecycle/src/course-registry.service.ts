import { Inject, Injectable, Logger } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import {
  courseRegistryNamespace,
  courseRepository,
  CourseRegistryPort,
  grantRegistryAccess,
  LAB_PROVIDER,
  LabProvider,
  NotFoundError,
  parseRegistryScopes,
  Principal,
  RegistryGrant,
  SingleFlight,
} from '@labfleet/domain';
import { CourseRepository, RegistryKeyRepository, RegistrySigningKey } from '@labfleet/persistence';
import { COURSE_REGISTRY_ISSUER, courseRegistryService } from '@labfleet/provider-docker';
import { generateRegistrySigningKey, RegistryTokenResponse, signRegistryToken } from './registry-token';

const MB = 1024 * 1024;

/**
 * Labfleet as the course registry's token server: decides what a principal may do with each
 * scope asked for, measures the student's namespace before granting push, signs the token.
 */
@Injectable()
export class CourseRegistryService {
  private readonly logger = new Logger('CourseRegistry');
  private key: RegistrySigningKey | null = null;
  private readonly loading = new SingleFlight<RegistrySigningKey>();

  constructor(
    private readonly config: LabfleetConfig,
    private readonly keys: RegistryKeyRepository,
    private readonly courses: CourseRepository,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  get enabled(): boolean {
    return this.config.courseRegistry.enabled && !!this.provider.courseRegistry;
  }

  /** `host/<course>/<student>`: where the student's images go, or null without a registry. */
  namespaceOf(courseId: string | null, userId: string | null): string | null {
    return this.enabled && courseId && userId ? `${this.config.courseRegistry.host}/${courseRegistryNamespace(courseId, userId)}` : null;
  }

  /** The registry's `service` (the token's audience). */
  get service(): string {
    return courseRegistryService(this.config.courseRegistry.host);
  }

  /** Starts the registry with the certificate of Labfleet's signing key (made on first use). */
  async start(): Promise<void> {
    if (!this.enabled) return;
    await this.registry().start((await this.signingKey()).certificatePem);
  }

  /** The token for these `scope` values; scopes not granted are left out (the registry then refuses). */
  async issue(principal: Principal, scopeValues: readonly string[], service: string | undefined): Promise<RegistryTokenResponse> {
    if (!this.enabled) throw new NotFoundError('course registry', 'token');
    const access: RegistryGrant[] = [];
    for (const scope of parseRegistryScopes(scopeValues)) {
      const overCap = scope.actions.includes('push') ? await this.ownerOverCap(principal, scope.name) : false;
      const actions = grantRegistryAccess(principal, scope, overCap);
      if (actions.length > 0) access.push({ type: scope.type, name: scope.name, actions });
    }
    return signRegistryToken(await this.signingKey(), {
      issuer: COURSE_REGISTRY_ISSUER,
      // A token for another service would be refused there anyway: name ours.
      service: service === this.service ? service : this.service,
      subject: principal.userId ?? principal.label,
      access,
      ttlSeconds: this.config.courseRegistry.tokenTtlSeconds,
    });
  }

  /** Removes the registry data of every course that no longer exists (after a course is deleted, and at each reconcile). */
  async purgeRemovedCourses(): Promise<string[]> {
    if (!this.enabled) return [];
    const stored = await this.registry().listCourses();
    const existing = new Set(await this.courses.existing(stored));
    const removed = stored.filter((id) => !existing.has(id));
    if (removed.length === 0) return [];
    await this.registry().removeCourses(removed);
    this.logger.log({ msg: 'course registry data removed', courses: removed });
    return removed;
  }

  /** Only the owner's own push is measured: nobody else is ever granted push. */
  private async ownerOverCap(principal: Principal, name: string): Promise<boolean> {
    const repo = courseRepository(name);
    if (!repo || repo.ownerId !== principal.userId) return false;
    const used = await this.registry().usageBytes(repo.courseId, repo.ownerId);
    return used > this.config.courseRegistry.capMb * MB;
  }

  private registry(): CourseRegistryPort {
    return this.provider.courseRegistry!;
  }

  private async signingKey(): Promise<RegistrySigningKey> {
    this.key ??= await this.loading.run('key', () => this.readOrMakeKey());
    return this.key;
  }

  private async readOrMakeKey(): Promise<RegistrySigningKey> {
    return (await this.keys.find()) ?? this.keys.insertOrGet(generateRegistrySigningKey());
  }
}
