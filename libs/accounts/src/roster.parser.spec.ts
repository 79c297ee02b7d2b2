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

describe('parseRoster on RFC 4180 files as spreadsheets write them', () => {
  it('keeps a quoted newline inside its value, and numbers each row by the line it starts on', () => {
    expect(parseRoster('email,name\nana@s.test,"Ana\nMaria"\nbo@s.test,Bo\n')).toEqual({
      rows: [
        { line: 2, email: 'ana@s.test', name: 'Ana\nMaria' },
        { line: 4, email: 'bo@s.test', name: 'Bo' },
      ],
      rejected: [],
      fileErrors: [],
    });
  });

  it('counts a quoted CRLF as one line break', () => {
    const parsed = parseRoster('email,name\r\n"ana@s.test","Ana\r\nMaria"\r\n\r\nbo@s.test,Bo\r\n');
    expect(parsed.fileErrors).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 2, email: 'ana@s.test', name: 'Ana\r\nMaria' },
      { line: 5, email: 'bo@s.test', name: 'Bo' },
    ]);
  });

  it('reads quoted commas and doubled quotes, also in a value that spans lines', () => {
    const parsed = parseRoster('"ana@s.test","Martin, Ana ""Annie"""\n"bo@s.test", "Bo ""the\nsecond"", Jr."\n');
    expect(parsed.fileErrors).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 1, email: 'ana@s.test', name: 'Martin, Ana "Annie"' },
      { line: 2, email: 'bo@s.test', name: 'Bo "the\nsecond", Jr.' },
    ]);
  });

  it('skips a BOM, CRLF line ends and empty trailing lines', () => {
    const parsed = parseRoster('\uFEFF"email","name"\r\nana@s.test,Ana\r\n\r\n  \r\n');
    expect(parsed).toEqual({ rows: [{ line: 2, email: 'ana@s.test', name: 'Ana' }], rejected: [], fileErrors: [] });
  });

  it('reads a file with CR line ends (Excel for Mac)', () => {
    expect(parseRoster('email,name\rana@s.test,Ana\rbo@s.test,Bo\r').rows.map((r) => r.line)).toEqual([2, 3]);
  });

  it('names the line a multi-line row starts on when rejecting it', () => {
    expect(parseRoster('a@s.test,"A\nA"\nnot-an-email,"B\nB"\nA@S.test,C').rejected).toEqual([
      { line: 3, email: 'not-an-email', reason: 'not an email address' },
      { line: 5, email: 'A@S.test', reason: 'same email as line 1' },
    ]);
  });

  it('refuses text after a closing quote instead of gluing it to the value', () => {
    expect(parseRoster('a@s.test,A\n"b@s.test"x,B\n').fileErrors).toEqual(['line 2: text after a closing quote (write a quote inside a quoted value as "")']);
  });

  it('reports an unclosed quote at the line it opens, not where the file ends', () => {
    expect(parseRoster('a@s.test,A\n\n"b@s.test,B\nc@s.test,C\nd@s.test,D\n').fileErrors).toEqual(['line 3: a quoted value is not closed']);
  });
});
