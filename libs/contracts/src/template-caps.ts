/** The most one lab may ask for on this platform (`TEMPLATE_MAX_*`): set by config, applied by the domain. */
export interface TemplateCaps {
  readonly nodes: number;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly pidsLimit: number;
  readonly diskMb: number;
  readonly ttlSeconds: number;
}
