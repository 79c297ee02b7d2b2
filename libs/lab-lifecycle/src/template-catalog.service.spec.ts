import { parseTemplateFile } from './template-catalog.service';

const valid = { name: 'docker', cpus: 1, memoryMb: 1024, pidsLimit: 1024, ttlSeconds: 7200, images: ['nginx'] };

describe('parseTemplateFile', () => {
  it('fills defaults', () => {
    expect(parseTemplateFile(JSON.stringify({ templates: [valid] }), 'f')).toEqual([
      { ...valid, description: '', image: null, nodes: 1, diskMb: null, reservedCpus: 0.05, reservedMemoryMb: 128, setup: [] },
    ]);
  });

  it('names every problem with its path', () => {
    const bad = JSON.stringify({ templates: [{ ...valid, name: 'Bad Name', cpus: 0, extra: 1 }] });
    expect(() => parseTemplateFile(bad, 'f.json')).toThrow(/templates\.0\.extra: property extra should not exist[\s\S]*templates\.0\.name: name must be lowercase[\s\S]*templates\.0\.cpus/);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseTemplateFile('{', 'f.json')).toThrow(/f.json: not valid JSON/);
  });
});
