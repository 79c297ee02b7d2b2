/**
 * Writes the part of Kubernetes' OpenAPI document that the tests' schema validator
 * (libs/providers/kubernetes/test/kube-openapi-validator.ts) needs, so the tests read a file of
 * the repository instead of the 3.3 MB document beside it.
 *
 * Source: the OpenAPI v2 document a Kubernetes v1.25.2 API server serves at `/openapi/v2`
 * (`../shared/k8s/kubernetes-v1.25.2-openapi-v2.json` on these machines). Kept: every
 * group/version/kind of 1.25 with its definition's name (so "not a kind of 1.25" still answers
 * right), and the definitions of `KINDS` with all they refer to, without the descriptions and the
 * `x-kubernetes-*` keys the validator drops anyway (it reads `x-kubernetes-preserve-unknown-fields`
 * only: that one stays).
 *
 * Run: npm run build && node dist/tools/k8s/trim-k8s-openapi.js [source] [target]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** What Labfleet makes (lab and student objects), what `k8s/` ships, and what the fake API server serves. */
const KINDS = [
  'v1/Namespace',
  'v1/Node',
  'v1/Pod',
  'v1/Service',
  'v1/Endpoints',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/ServiceAccount',
  'v1/ResourceQuota',
  'v1/LimitRange',
  'v1/PersistentVolumeClaim',
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'batch/v1/Job',
  'networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
];

/** The one extension of Kubernetes' the validator reads: the rest go with the descriptions. */
const KEPT_EXTENSION = 'x-kubernetes-preserve-unknown-fields';

type Schema = { [key: string]: unknown };
interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}
interface OpenApiDocument {
  readonly info: { readonly title: string; readonly version: string };
  readonly definitions: Record<string, Schema>;
}

const gvkName = (gvk: Gvk) => `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`;

function stripped(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripped);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === 'description' || (key.startsWith('x-kubernetes-') && key !== KEPT_EXTENSION)) continue;
    out[key] = stripped(value);
  }
  return out;
}

/** Every definition `name` refers to, itself included. */
function closure(definitions: Record<string, Schema>, names: readonly string[]): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    if (!definitions[name]) throw new Error(`no definition ${name}`);
    found.add(name);
    JSON.stringify(definitions[name], (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') visit(value.replace('#/definitions/', ''));
      return value;
    });
  };
  names.forEach(visit);
  return found;
}

function trimOpenApi(text: string): string {
  const full = JSON.parse(text) as OpenApiDocument;
  const kinds: Record<string, string> = {};
  for (const [name, schema] of Object.entries(full.definitions)) {
    for (const gvk of (schema['x-kubernetes-group-version-kind'] as Gvk[] | undefined) ?? []) kinds[gvkName(gvk)] = name;
  }
  const unknown = KINDS.filter((k) => !kinds[k]);
  if (unknown.length) throw new Error(`not kinds of ${full.info.version}: ${unknown.join(', ')}`);
  const kept = [...closure(full.definitions, KINDS.map((k) => kinds[k]))].sort();
  const source = `${full.info.title} ${full.info.version} /openapi/v2 (sha256 ${createHash('sha256').update(text).digest('hex')})`;
  // One definition a line: a regenerated file diffs by definition.
  const lines = kept.map((name) => `    ${JSON.stringify(name)}: ${JSON.stringify(stripped(full.definitions[name]))}`);
  return [
    '{',
    `  "source": ${JSON.stringify(`${source}, trimmed by tools/k8s/trim-k8s-openapi.ts`)},`,
    `  "kinds": ${JSON.stringify(Object.fromEntries(Object.entries(kinds).sort()))},`,
    '  "definitions": {',
    lines.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

if (require.main === module) {
  const root = resolve(__dirname, '../../..');
  const [source = resolve(root, '../shared/k8s/kubernetes-v1.25.2-openapi-v2.json'), target = resolve(root, 'libs/providers/kubernetes/test/fixtures/kubernetes-v1.25.2-openapi.json')] = process.argv.slice(2);
  writeFileSync(target, trimOpenApi(readFileSync(source, 'utf8')));
  console.log(`${target} written from ${source}`);
}
