/** The operations of an OpenAPI 3 document (as Nest's Swagger module serves it at /docs-json), `$ref`s resolved. */

/** The part of JSON Schema (OpenAPI 3.0 flavour) the fuzzer generates values from. */
export interface Schema {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly example?: unknown;
  readonly nullable?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly schema: Schema;
}

export interface Operation {
  readonly method: string;
  /** The path template, e.g. `/api/v1/labs/{id}`. */
  readonly path: string;
  /** `GET /api/v1/labs/{id}`: how the report names it. */
  readonly key: string;
  readonly pathParams: readonly Parameter[];
  readonly queryParams: readonly Parameter[];
  /** The content types the body is documented in, each with its schema; empty when it takes none. */
  readonly bodies: readonly { readonly contentType: string; readonly schema: Schema }[];
  readonly needsAuth: boolean;
}

interface Document {
  readonly paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema?: Schema }> }; security?: unknown[] }>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Replaces each `$ref` by the schema it names (a cycle stops at an empty object schema). */
export function resolveRefs(schema: Schema, components: Record<string, Schema>, seen: readonly string[] = []): Schema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.includes(name) || !components[name]) return { type: 'object' };
    return resolveRefs(components[name], components, [...seen, name]);
  }
  const resolve = (s: Schema) => resolveRefs(s, components, seen);
  return {
    ...schema,
    ...(schema.properties ? { properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v)])) } : {}),
    ...(schema.items ? { items: resolve(schema.items) } : {}),
    ...(schema.allOf ? { allOf: schema.allOf.map(resolve) } : {}),
    ...(schema.oneOf ? { oneOf: schema.oneOf.map(resolve) } : {}),
    ...(schema.anyOf ? { anyOf: schema.anyOf.map(resolve) } : {}),
  };
}

/** Every operation of the document, in its order. */
export function readOperations(document: unknown): Operation[] {
  const doc = document as Document;
  const components = doc.components?.schemas ?? {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = (op.parameters ?? []).map((p) => ({ ...p, required: p.required === true, schema: resolveRefs(p.schema ?? {}, components) }));
      operations.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        bodies: Object.entries(op.requestBody?.content ?? {}).map(([contentType, c]) => ({ contentType, schema: resolveRefs(c.schema ?? {}, components) })),
        needsAuth: (op.security ?? []).length > 0,
      });
    }
  }
  return operations;
}
