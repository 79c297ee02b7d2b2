/** The part of the engine's `GET /info` that tells what it can enforce. */
export interface EngineInfo {
  readonly Driver?: string;
  readonly DriverStatus?: [string, string][];
}

/** A container's writable layer can be capped (`StorageOpt size`) only with overlay2 on xfs. */
export function engineSupportsDiskQuota(info: EngineInfo): boolean {
  const backing = info.DriverStatus?.find(([key]) => key === 'Backing Filesystem')?.[1];
  return info.Driver === 'overlay2' && backing === 'xfs';
}
