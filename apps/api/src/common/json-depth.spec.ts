import { nestsDeeperThan } from './json-depth';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('nestsDeeperThan', () => {
  it('counts arrays and objects alike, up to and past the limit', () => {
    expect(nestsDeeperThan(bytes(nested(32)), 32)).toBe(false);
    expect(nestsDeeperThan(bytes(nested(33)), 32)).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":{"b":[{"c":1}]}}'), 3)).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":{"b":[{"c":1}]}}'), 4)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: '[[[[[[[[{{{{{{' })), 1)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: 'say \\"[[[[" and "{{{{"' })), 1)).toBe(false);
  });

  it('depth goes back down: many shallow siblings are fine', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify(Array.from({ length: 5000 }, () => ({ a: [1] })))), 3)).toBe(false);
  });
});
