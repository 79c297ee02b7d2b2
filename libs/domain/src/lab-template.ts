/** A template as the domain sees it: what a lab of this kind is made of. */
export interface LabTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly image: string | null;
  readonly nodes: number;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly pidsLimit: number;
  readonly diskMb: number | null;
  readonly ttlSeconds: number;
  readonly images: readonly string[];
  /** What a running lab is counted as using when admitting more (see `fitsCapacity`). */
  readonly reservedCpus: number;
  readonly reservedMemoryMb: number;
}
