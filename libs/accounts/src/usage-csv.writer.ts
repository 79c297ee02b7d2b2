import { stringify } from 'csv-stringify/sync';
import type { CourseUsage } from './usage.service';

/** A course's usage as the CSV file teachers download: one row per person, CRLF line ends (RFC 4180). */
export function usageCsv(usage: CourseUsage): string {
  return stringify(usage.people, {
    header: true,
    columns: ['email', 'name', 'role', 'labs', 'minutes'],
    record_delimiter: 'windows',
    // csv-stringify stops quoting a lone \n or \r once record_delimiter is set; a name holding one
    // would split its row.
    quote_record_delimiter: true,
    // A name such as `=HYPERLINK(…)` is written as `'=HYPERLINK(…)`, text a spreadsheet will not run.
    escape_formulas: true,
  });
}
