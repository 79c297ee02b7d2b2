import { CsvError, parse } from 'csv-parse/sync';
import { RosterRow } from '@labfleet/persistence';

export const MAX_ROSTER_ROWS = 5000;
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

export interface ParsedRoster {
  readonly rows: RosterRow[];
  /** Lines whose values are wrong; the others can still be imported. */
  readonly rejected: { line: number; email: string; reason: string }[];
  /** Problems with the file itself: when there is any, nothing is imported. */
  readonly fileErrors: string[];
}

const CR = 0x0d;
const LF = 0x0a;
const BLANK = new Set([0x20, 0x09, CR, LF]);

/**
 * Numbers records by the line they start on, as a teacher sees it in an editor. csv-parse's own
 * `info.lines` is the line a record ends on, and it counts a CRLF inside quotes as two lines.
 */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly bytes: Buffer) {}

  /** The line of the first non-blank byte at or after `from`, a byte offset no smaller than the last call's. */
  startAfter(from: number): number {
    while (this.offset < from) this.step();
    while (this.offset < this.bytes.length && BLANK.has(this.bytes[this.offset])) this.step();
    return this.line;
  }

  private step(): void {
    const byte = this.bytes[this.offset++];
    if (byte === LF || (byte === CR && this.bytes[this.offset] !== LF)) this.line++;
  }
}

function explain(error: CsvError): string {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted value is not closed';
  if (error.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') return 'text after a closing quote (write a quote inside a quoted value as "")';
  return error.message;
}

/** The records of an RFC 4180 file with the line each starts on; a file error ends the reading. */
function records(text: string): { records: { line: number; values: string[] }[]; error?: string } {
  // Removed here rather than by csv-parse's `bom` option, whose byte offsets would still count it.
  const bytes = Buffer.from(text.replace(/^\uFEFF/, ''));
  const lines = new LineCounter(bytes);
  const out: { line: number; values: string[] }[] = [];
  let end = 0;
  try {
    parse(bytes, {
      // Leniency the hand-written parser had: spaces around values and quotes, a quote inside an
      // unquoted value (`Bob "Bobby" Smith`), rows of any length (checked by the caller).
      trim: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Collected here rather than returned, so the rows before a broken one are still reported.
      on_record: (values: string[], info) => {
        // Trimmed inside quotes too, as the roster always was: `" Ana "` is Ana.
        out.push({ line: lines.startAfter(end), values: values.map((v) => v.trim()) });
        end = info.bytes;
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { records: out, error: `line ${lines.startAfter(end)}: ${explain(error)}` };
  }
  return { records: out };
}

/** Reads an `email,name` roster (header optional). */
export function parseRoster(text: string): ParsedRoster {
  const parsed = records(text);
  const rows: RosterRow[] = [];
  const rejected: ParsedRoster['rejected'] = [];
  const fileErrors: string[] = [];
  const seen = new Map<string, number>();
  for (const { line, values } of parsed.records) {
    if (values.length !== 2) {
      fileErrors.push(`line ${line}: expected 2 columns (email,name), found ${values.length}`);
      continue;
    }
    const [email, name] = values;
    if (rows.length === 0 && rejected.length === 0 && email.toLowerCase() === 'email' && name.toLowerCase() === 'name') continue;
    const key = email.toLowerCase();
    if (!EMAIL.test(email)) rejected.push({ line, email, reason: 'not an email address' });
    else if (name === '' || name.length > 200) rejected.push({ line, email, reason: 'name must be 1 to 200 characters' });
    else if (seen.has(key)) rejected.push({ line, email, reason: `same email as line ${seen.get(key)}` });
    else {
      seen.set(key, line);
      rows.push({ line, email, name });
    }
  }
  if (parsed.error) fileErrors.push(parsed.error);
  if (rows.length + rejected.length === 0 && fileErrors.length === 0) fileErrors.push('the file has no rows: expected lines of email,name');
  if (rows.length + rejected.length > MAX_ROSTER_ROWS) fileErrors.push(`the file has more than ${MAX_ROSTER_ROWS} rows; split it`);
  return { rows, rejected, fileErrors };
}
