import { LabSpec } from './lab-provider.port';
import { LabTemplate } from './lab-template';

/** Node names are also their hostnames inside the lab: node1, node2, ... */
export const labNodeNames = (count: number): string[] => Array.from({ length: count }, (_, i) => `node${i + 1}`);

/** The provider-neutral description of a lab; `defaultImage` applies when the template names none. */
export function buildLabSpec(labId: string, template: LabTemplate, defaultImage: string, owner?: LabSpec['owner']): LabSpec {
  return {
    ...(owner ? { owner } : {}),
    labId,
    templateName: template.name,
    image: template.image ?? defaultImage,
    nodes: labNodeNames(template.nodes).map((name) => ({ name, hostname: name })),
    limits: { cpus: template.cpus, memoryMb: template.memoryMb, pidsLimit: template.pidsLimit, diskMb: template.diskMb },
    reservation: { cpus: template.reservedCpus, memoryMb: template.reservedMemoryMb },
    images: [...template.images],
    ...(template.kubernetes ? { studentKubernetes: { ...template.kubernetes } } : {}),
  };
}

export const expiresAt = (from: Date, ttlSeconds: number): Date => new Date(from.getTime() + ttlSeconds * 1000);
