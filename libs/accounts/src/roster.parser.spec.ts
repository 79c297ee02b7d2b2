import { parseRoster } from './roster.parser';

describe('parseRoster', () => {
  it('reads rows with or without a header, with quotes and CRLF', () => {
    const parsed = parseRoster('\uFEFFemail,name\r\nana@school.test,Ana\r\n"bo@school.test","Bo, ""the"" second"\r\n\r\n');
    expect(parsed.fileErrors).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 2, email: 'ana@school.test', name: 'Ana' },
      { line: 3, email: 'bo@school.test', name: 'Bo, "the" second' },
    ]);
    expect(parseRoster('ana@school.test,Ana').rows).toHaveLength(1);
  });

  it('rejects bad lines with the reason and keeps the good ones', () => {
    const parsed = parseRoster('a@s.test,A\nnot-an-email,B\nA@S.test,Again\nc@s.test,');
    expect(parsed.rows.map((r) => r.email)).toEqual(['a@s.test']);
    expect(parsed.rejected).toEqual([
      { line: 2, email: 'not-an-email', reason: 'not an email address' },
      { line: 3, email: 'A@S.test', reason: 'same email as line 1' },
      { line: 4, email: 'c@s.test', reason: 'name must be 1 to 200 characters' },
    ]);
  });

  it('reports a broken file as a whole', () => {
    expect(parseRoster('a@s.test,A,extra\n"b@s.test,B').fileErrors).toEqual([
      'line 1: expected 2 columns (email,name), found 3',
      'line 2: a quoted value is not closed',
    ]);
    expect(parseRoster('\n\n').fileErrors).toEqual(['the file has no rows: expected lines of email,name']);
    expect(parseRoster(Array.from({ length: 5001 }, (_, i) => `u${i}@s.test,U`).join('\n')).fileErrors[0]).toMatch(/more than 5000 rows/);
  });
});
