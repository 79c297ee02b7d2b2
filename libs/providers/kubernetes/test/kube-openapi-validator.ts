import Ajv, { ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * What the validator needs of the OpenAPI v2 document a Kubernetes v1.25.2 API server serves at
 * /openapi/v2: every kind's definition name, and the definitions of the kinds Labfleet makes or
 * ships. Written by tools/k8s/trim-k8s-openapi.ts, which says where it came from.
 */
const K8S_OPENAPI_FILE = resolve(__dirname, 'fixtures/kubernetes-v1.25.2-openapi.json');

type Schema = Record<string, unknown>;

// Serialized Quantity: "500m", "2Gi", "1e3"; YAML numbers (`cpu: 1`) are accepted by the API server too.
const QUANTITY = '^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\\d+))?$';
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kinds whose names must be DNS labels (they become DNS names or path segments), not subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

/**
 * Makes the schema as strict as the API server's strict field validation: unknown fields are
 * errors (the document leaves `additionalProperties` open), and Kubernetes' own types
 * (int-or-string, quantity) get their real shapes instead of `type: string`.
 */
function tighten(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tighten);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === 'description' || key.startsWith('x-kubernetes-')) continue;
    out[key] = tighten(value);
  }
  if (out.format === 'int-or-string') return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  const open = (node as Schema)['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !open) out.additionalProperties = false;
  return out;
}

function loadDefinitions(): { definitions: Record<string, Schema>; byGvk: Map<string, string> } {
  const raw = JSON.parse(readFileSync(K8S_OPENAPI_FILE, 'utf8')) as { kinds: Record<string, string>; definitions: Record<string, Schema> };
  const definitions: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(raw.definitions)) definitions[name] = tighten(schema) as Schema;
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { anyOf: [{ type: 'string', pattern: QUANTITY }, { type: 'number' }] };
  return { definitions, byGvk: new Map(Object.entries(raw.kinds)) };
}

/** Validates Kubernetes objects against the official v1.25 OpenAPI schema, plus the name and label rules it cannot express. */
export class KubeOpenApiValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, formats: { int32: true, int64: true, double: true, byte: true, 'date-time': true } });
  private readonly byGvk: Map<string, string>;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    const { definitions, byGvk } = loadDefinitions();
    this.byGvk = byGvk;
    this.ajv.addSchema({ definitions }, 'k8s');
  }

  /** The schema definition an object's `apiVersion` and `kind` name, or undefined for a kind Kubernetes 1.25 does not serve. */
  definitionOf(object: { apiVersion?: string; kind?: string }): string | undefined {
    return this.byGvk.get(`${object.apiVersion}/${object.kind}`);
  }

  /** Every problem with one object (in its wire form), or an empty list. */
  validate(object: unknown): string[] {
    const o = object as { apiVersion?: string; kind?: string; metadata?: { name?: string; labels?: Record<string, string> } };
    const definition = this.definitionOf(o);
    if (!definition) return [`${o.apiVersion}/${o.kind} is not a kind of Kubernetes 1.25`];
    let validate = this.compiled.get(definition);
    if (!validate) {
      // A kind of 1.25 the trimmed document leaves out is a problem too, not a pass.
      const found = this.ajv.getSchema(`k8s#/definitions/${definition}`);
      if (!found) return [`${o.apiVersion}/${o.kind}: not in ${K8S_OPENAPI_FILE}; add it to KINDS in tools/k8s/trim-k8s-openapi.ts and run that`];
      validate = found;
      this.compiled.set(definition, validate);
    }
    const problems = validate(object) ? [] : (validate.errors ?? []).map((e) => `${o.kind} ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
    return [...problems, ...this.metadataProblems(o)];
  }

  private metadataProblems(o: { kind?: string; metadata?: { name?: string; labels?: Record<string, string> } }): string[] {
    const problems: string[] = [];
    const name = o.metadata?.name ?? '';
    const [rule, max] = LABEL_NAMED.has(o.kind ?? '') ? [DNS_LABEL, 63] : [DNS_SUBDOMAIN, 253];
    if (!rule.test(name) || name.length > max) problems.push(`${o.kind} name ${JSON.stringify(name)} is not a valid name`);
    for (const [key, value] of Object.entries(o.metadata?.labels ?? {})) {
      const [prefix, label] = key.includes('/') ? key.split('/', 2) : [undefined, key];
      const keyOk = LABEL_NAME.test(label) && label.length <= 63 && (prefix === undefined || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253));
      if (!keyOk) problems.push(`${o.kind} ${name}: label key ${key} is invalid`);
      if (!LABEL_VALUE.test(value) || value.length > 63) problems.push(`${o.kind} ${name}: label ${key}=${value} has an invalid value`);
    }
    return problems;
  }
}
