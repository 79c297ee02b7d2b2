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

/** Splits one CSV line (RFC 4180 quoting); null when a quote is left open. */
function fields(line: string): string[] | null {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      current += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (!quoted && c === '"' && current.trim() === '') {
      quoted = true;
      current = '';
    } else if (!quoted && c === ',') {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (quoted) return null;
  out.push(current);
  return out.map((f) => f.trim());
}

/** Reads an `email,name` roster (header optional). */
export function parseRoster(text: string): ParsedRoster {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: RosterRow[] = [];
  const rejected: ParsedRoster['rejected'] = [];
  const fileErrors: string[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const values = fields(raw);
    if (!values) return void fileErrors.push(`line ${line}: a quoted value is not closed`);
    if (values.length !== 2) return void fileErrors.push(`line ${line}: expected 2 columns (email,name), found ${values.length}`);
    const [email, name] = values;
    if (rows.length === 0 && rejected.length === 0 && email.toLowerCase() === 'email' && name.toLowerCase() === 'name') return;
    const key = email.toLowerCase();
    if (!EMAIL.test(email)) rejected.push({ line, email, reason: 'not an email address' });
    else if (name === '' || name.length > 200) rejected.push({ line, email, reason: 'name must be 1 to 200 characters' });
    else if (seen.has(key)) rejected.push({ line, email, reason: `same email as line ${seen.get(key)}` });
    else {
      seen.set(key, line);
      rows.push({ line, email, name });
    }
  });
  if (rows.length + rejected.length === 0 && fileErrors.length === 0) fileErrors.push('the file has no rows: expected lines of email,name');
  if (rows.length + rejected.length > MAX_ROSTER_ROWS) fileErrors.push(`the file has more than ${MAX_ROSTER_ROWS} rows; split it`);
  return { rows, rejected, fileErrors };
}
