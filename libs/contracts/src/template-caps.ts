/** The most one lab may ask for on this platform (`TEMPLATE_MAX_*`): set by config, applied by the domain. */
export interface TemplateCaps {
  readonly nodes: number;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly pidsLimit: number;
  readonly diskMb: number;
  readonly ttlSeconds: number;
}

/** The most one lab of a school may ask for, set by a platform admin; null: only the platform's cap applies. */
export type SchoolCaps = { readonly [K in keyof TemplateCaps]: number | null };

export const CAP_FIELDS: readonly (keyof TemplateCaps)[] = ['nodes', 'cpus', 'memoryMb', 'pidsLimit', 'diskMb', 'ttlSeconds'];
