import type { LabTemplate } from './lab-template';
import { templateAsOf, TemplateDefinitionOf } from './template-version';

const V1: TemplateDefinitionOf = {
  description: 'v1',
  image: null,
  nodes: 1,
  cpus: 1,
  memoryMb: 2048,
  pidsLimit: 2048,
  diskMb: 10240,
  ttlSeconds: 3600,
  images: ['mariadb:latest'],
  reservedCpus: 0.05,
  reservedMemoryMb: 128,
  setup: [],
  kubernetes: null,
};
const CURRENT: LabTemplate & { version: number } = { ...V1, id: 't1', name: 'wordpress', version: 2, description: 'v2', images: ['mariadb:latest', 'wordpress:latest'], setup: [{ node: 'node1', run: 'touch /root/v2' }] };

describe('templateAsOf', () => {
  it('is the current template for a lab asked for at the current version', () => {
    expect(templateAsOf(CURRENT, 2, V1)).toBe(CURRENT);
  });

  it('is the kept definition for a lab asked for before the last edit: none of the edit shows', () => {
    const t = templateAsOf(CURRENT, 1, V1);
    expect(t).toEqual({ ...V1, id: 't1', name: 'wordpress' });
    expect(t).not.toHaveProperty('version');
  });

  it('is null when the version is not kept', () => {
    expect(templateAsOf(CURRENT, 1, null)).toBeNull();
  });
});
