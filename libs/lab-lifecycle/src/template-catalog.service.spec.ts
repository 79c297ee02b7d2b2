import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseTemplateFile } from './template-catalog.service';

const valid = { name: 'docker', cpus: 1, memoryMb: 1024, pidsLimit: 1024, ttlSeconds: 7200, images: ['nginx'] };

describe('parseTemplateFile', () => {
  it('fills defaults', () => {
    expect(parseTemplateFile(JSON.stringify({ templates: [valid] }), 'f')).toEqual([
      { ...valid, description: '', image: null, nodes: 1, diskMb: null, reservedCpus: 0.05, reservedMemoryMb: 128, setup: [], kubernetes: null },
    ]);
  });

  it('names every problem with its path', () => {
    const bad = JSON.stringify({ templates: [{ ...valid, name: 'Bad Name', cpus: 0, extra: 1 }] });
    expect(() => parseTemplateFile(bad, 'f.json')).toThrow(/templates\.0\.extra: property extra should not exist[\s\S]*templates\.0\.name: name must be lowercase[\s\S]*templates\.0\.cpus/);
  });

  it('reads a student Kubernetes namespace and checks its quota', () => {
    const kubernetes = { pods: 20, cpus: 2, memoryMb: 2048 };
    expect(parseTemplateFile(JSON.stringify({ templates: [{ ...valid, kubernetes }] }), 'f')[0].kubernetes).toEqual(kubernetes);
    const bad = JSON.stringify({ templates: [{ ...valid, kubernetes: { pods: 0, cpus: 2, nodes: 3 } }] });
    expect(() => parseTemplateFile(bad, 'f.json')).toThrow(/templates\.0\.kubernetes\.nodes: property nodes should not exist[\s\S]*templates\.0\.kubernetes\.pods: pods must not be less than 1[\s\S]*templates\.0\.kubernetes\.memoryMb/);
  });

  it('ships a valid seed file with the Kubernetes chapter\'s template', async () => {
    // The repository's file, wherever Jest runs from.
    const shipped = parseTemplateFile(await readFile(resolve(__dirname, '../../../deploy/templates.json'), 'utf8'), 'deploy/templates.json');
    expect(shipped.find((t) => t.name === 'kubernetes')).toMatchObject({ nodes: 1, kubernetes: { pods: 20, cpus: 2, memoryMb: 2048 } });
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseTemplateFile('{', 'f.json')).toThrow(/f.json: not valid JSON/);
  });
});
