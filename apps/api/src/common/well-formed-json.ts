/** A UTF-16 surrogate without its pair: JSON may escape one (`"\ud800"`), but it is no character. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * body-parser `reviver`: a JSON body with a lone surrogate in a string or a key is a 400 (RFC 8259
 * §8.2 lets a receiver refuse it). Such strings are no text to store, and validators choke on them
 * (IsEmail's encodeURI threw URIError: a 500).
 */
export function refuseLoneSurrogates(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) {
    throw Object.assign(new Error('request body holds a string that is not well-formed Unicode (a lone surrogate)'), { status: 400, expose: true, type: 'entity.malformed.unicode' });
  }
  return value;
}
