import type { Principal } from '@labfleet/domain';

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/** Principals by bearer credential, for a few seconds; failures are never cached. */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Promise<Principal>; at: number }>();

  constructor(private readonly resolve: (bearer: string | undefined) => Promise<Principal>) {}

  get(bearer: string | undefined): Promise<Principal> {
    if (!bearer) return this.resolve(bearer);
    const hit = this.entries.get(bearer);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.principal;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const principal = this.resolve(bearer);
    this.entries.set(bearer, { principal, at: Date.now() });
    principal.catch(() => this.entries.delete(bearer));
    return principal;
  }
}
