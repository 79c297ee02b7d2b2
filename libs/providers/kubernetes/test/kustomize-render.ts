import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's `k8s/` folder. */
export const K8S_DIR = resolve(__dirname, '../../../../k8s');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: any;
}

/** The kustomize fields these manifests use; anything else means the renderer must learn it first. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'components']);

/**
 * Renders a kustomization the way `kubectl kustomize` does for what `k8s/` uses (resources, files
 * or folders, and components), so the manifests are checked without kustomize installed.
 */
export function renderKustomization(dir: string): Manifest[] {
  const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0].toJS() as Record<string, unknown>;
  const unsupported = Object.keys(kustomization).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length) throw new Error(`${dir}: the test renderer does not support ${unsupported.join(', ')}`);
  const entries = [...((kustomization.resources as string[]) ?? []), ...((kustomization.components as string[]) ?? [])];
  return entries.flatMap((entry) => {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) return renderKustomization(path);
    return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
      if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as Manifest;
    });
  });
}
