/** Values that break parsers, validators, databases and string handling, for fields, parameters and bodies. */
import fc from 'fast-check';

/** Strings that are valid JSON strings but hard on what stores, compares or prints them. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff\ud800y',
  '\ufeff',
  '\uffff',
  '\u202eevil',
  'zero\u200bwidth',
  'e\u0301\u0301\u0301',
  'İıß',
  '😀'.repeat(100),
  '\r\n\r\nX-Injected: 1',
  "'; DROP TABLE users; --",
  '%00',
  '%',
  '%ff%fe',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  '1e400',
  'NaN',
  '-0',
  ' docker ',
  'DOCKER',
];

/** Numbers at and beyond every range a field might have (JSON cannot carry NaN or Infinity). */
export const HOSTILE_NUMBERS: readonly number[] = [-1, 0, -0, 0.5, 59, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 9_223_372_036_854_775_807, 1e21, 1e308, -1e308, 5e-324];

/** Number literals as JSON text that JSON.parse turns into Infinity, 0 or a rounded integer. */
export const RAW_NUMBER_TEXTS: readonly string[] = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.0000000000000000000001e22'];

export const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
export const hostileNumber = fc.constantFrom(...HOSTILE_NUMBERS);

/** Any JSON value of another shape than the field wanted. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [1, 2], { a: 1 }, [null], ['a'], { $ne: null }, JSON.parse('{"__proto__":{"polluted":true}}')),
  hostileNumber,
  hostileString,
);

/** `levels` arrays inside each other, as JSON text. */
export const nestedText = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`;

/** A long string: under the 100 kB JSON limit, or over it. */
export const hugeString = fc.constantFrom(1_000, 10_000, 90_000, 150_000).chain((n) => fc.constantFrom('a'.repeat(n), '\u00e9'.repeat(n / 2), '\u0000'.repeat(n / 10)));

/** A long array (of numbers, strings or objects). */
export const hugeArray = fc.constantFrom(1_000, 10_000, 40_000).chain((n) => fc.constantFrom<unknown[]>(Array(n).fill(1), Array(n).fill('a'), Array(Math.floor(n / 10)).fill({ a: 1 })));

/** Byte sequences that are not UTF-8: a lone continuation byte, an overlong slash, a cut sequence, a surrogate, 0xFF. */
export const INVALID_UTF8: readonly Buffer[] = [[0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80]].map((b) => Buffer.from(b));
export const invalidUtf8 = fc.constantFrom(...INVALID_UTF8);

/** Path segments or query values aimed at a file system: traversal, encoded traversal, NUL, devices. */
export function traversals(hostFile: string): string[] {
  const up = '../'.repeat(12);
  return [
    `${up}etc/passwd`,
    `/${up}${hostFile.replace(/^\//, '')}`,
    `${up}${hostFile.replace(/^\//, '')}`,
    hostFile,
    '..%2f..%2f..%2fetc%2fpasswd',
    '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%252e%252e%252fetc%252fpasswd',
    '..\\..\\..\\windows\\win.ini',
    '/root/../../../../proc/self/environ',
    '/proc/self/environ',
    '/proc/1/root/etc/shadow',
    '/dev/zero',
    '/dev/urandom',
    '/root/secret.txt',
    '/root/secret.txt\u0000.png',
    '/root/\u0000',
    '/',
    '',
    '.',
    '..',
    '//////',
    '/root/' + 'a'.repeat(300),
    '/root/' + 'a/'.repeat(600),
    '~root/.bashrc',
    '/var/run/docker.sock',
  ];
}
