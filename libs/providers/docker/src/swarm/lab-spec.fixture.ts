import type { LabSpec } from '@labfleet/domain';

/** A one-node lab of the swarm-3 template that reserves 1.5 CPU and 384 MB, for the Swarm unit specs. */
export const SWARM_LAB_SPEC: LabSpec = {
  labId: '3f1c2d4e-0000-4000-8000-000000000001',
  templateName: 'swarm-3',
  image: 'labfleet/lab:latest',
  nodes: [{ name: 'node1', hostname: 'node1' }],
  limits: { cpus: 1, memoryMb: 1024, pidsLimit: 512, diskMb: null },
  reservation: { cpus: 1.5, memoryMb: 384 },
  images: [],
};
