import { refuseLoneSurrogates } from './well-formed-json';

const parse = (text: string) => JSON.parse(text, refuseLoneSurrogates) as unknown;

describe('refuseLoneSurrogates', () => {
  it('passes text with paired surrogates, other unicode and NUL through', () => {
    expect(parse('{"name":"\\ud83d\\ude00 İß \\u0000","list":["a",{"b":"\\u202e"}]}')).toEqual({ name: '😀 İß \u0000', list: ['a', { b: '\u202e' }] });
  });

  it.each(['{"email":"\\ud800"}', '{"email":"x\\udfff\\ud800y"}', '["ok","\\udc00"]', '{"\\ud800":1}', '{"a":{"b":["\\udbff"]}}'])('refuses %s as a 400 the client may read', (text) => {
    let error: (Error & { status?: number; expose?: boolean }) | undefined;
    try {
      parse(text);
    } catch (e) {
      error = e as Error & { status?: number; expose?: boolean };
    }
    expect(error?.message).toBe('request body holds a string that is not well-formed Unicode (a lone surrogate)');
    expect(error?.status).toBe(400);
    expect(error?.expose).toBe(true);
  });
});
