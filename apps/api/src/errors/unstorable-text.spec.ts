import { QueryFailedError } from 'typeorm';
import { isUnstorableText } from './unstorable-text';

describe('isUnstorableText', () => {
  it("recognises Postgres's refusal of a NUL character, as TypeORM wraps it", () => {
    const pg = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    expect(isUnstorableText(new QueryFailedError('SELECT 1', [], pg))).toBe(true);
  });

  it('leaves every other error alone', () => {
    expect(isUnstorableText(new QueryFailedError('SELECT 1', [], Object.assign(new Error('duplicate key'), { code: '23505' })))).toBe(false);
    expect(isUnstorableText(new Error('boom'))).toBe(false);
    expect(isUnstorableText(null)).toBe(false);
  });
});
