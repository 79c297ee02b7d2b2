/** How deep a JSON request body may nest. Labfleet's deepest body is a few levels; parsers and
 * validators recurse per level, and 2 000 levels overflowed class-transformer's stack (a 500). */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/**
 * True when the JSON text in `bytes` nests arrays/objects deeper than `max`. One pass over the
 * raw bytes before parsing, ignoring brackets inside strings; malformed text is left to the parser.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (OPEN.has(b)) {
      if (++depth > max) return true;
    } else if (CLOSE.has(b)) depth--;
  }
  return false;
}

/** body-parser `verify` hook: a body nesting deeper than MAX_JSON_DEPTH is a 400 before it is parsed. */
export function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw Object.assign(new Error(`request body nests deeper than ${MAX_JSON_DEPTH} levels`), { status: 400, expose: true, type: 'entity.too.deep' });
  }
}
