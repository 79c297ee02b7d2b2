import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

/** An object as `@kubernetes/client-node` puts it on the wire (`_default` becomes `default`, dates become strings...). */
export function wireForm(object: { kind?: string }): Record<string, unknown> {
  return JSON.parse(JSON.stringify(ObjectSerializer.serialize(object, `V1${object.kind}`, ''))) as Record<string, unknown>;
}
