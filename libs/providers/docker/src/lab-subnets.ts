/**
 * Lab networks get their subnets from a range Labfleet owns (`LAB_SUBNET_POOL`), cut into small
 * blocks: Docker's default address pools hold only about 30 bridge networks, far fewer than the
 * hundreds of labs a host can run. Pure, so allocation is testable.
 */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 32) throw new Error(`'${text}' is not an IPv4 CIDR like 10.213.0.0/16`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix };
}

const toIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

export const formatCidr = (c: Cidr): string => `${toIp(c.base)}/${c.prefix}`;

/** How many blocks of `prefix` the pool holds. */
export const blockCount = (pool: Cidr, prefix: number): number => 2 ** (prefix - pool.prefix);

/** The `index`-th block of the pool, with its gateway (the first address). */
export function block(pool: Cidr, prefix: number, index: number): { subnet: string; gateway: string } {
  const base = pool.base + index * 2 ** (32 - prefix);
  return { subnet: formatCidr({ base, prefix }), gateway: toIp(base + 1) };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const [aEnd, bEnd] = [a.base + 2 ** (32 - a.prefix), b.base + 2 ** (32 - b.prefix)];
  return a.base < bEnd && b.base < aEnd;
}

/** Indices of the pool's blocks that overlap none of `used`, lowest first (at most `limit`). */
export function freeBlocks(pool: Cidr, prefix: number, used: readonly Cidr[], limit: number): number[] {
  const free: number[] = [];
  for (let i = 0; i < blockCount(pool, prefix) && free.length < limit; i++) {
    const candidate = { base: pool.base + i * 2 ** (32 - prefix), prefix };
    if (!used.some((u) => overlaps(u, candidate))) free.push(i);
  }
  return free;
}
