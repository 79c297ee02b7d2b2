import { parse } from 'csv-parse/sync';
import { CourseRole } from '@labfleet/contracts';
import { usageCsv } from './usage-csv.writer';
import type { CourseUsage, StudentUsage } from './usage.service';

const usage = (people: StudentUsage[]): CourseUsage => ({ courseId: 'c1', from: new Date(0), to: new Date(7 * 86_400_000), people });
const person = (email: string, name: string, role: CourseRole | null = CourseRole.Student): StudentUsage => ({ userId: email, email, name, role, labs: 0, minutes: 0 });

describe('usageCsv', () => {
  it('writes what the hand-written writer did for ordinary rows', () => {
    const csv = usageCsv(
      usage([
        { userId: null, email: '', name: '(no owner)', role: null, labs: 1, minutes: 2.5 },
        { userId: 'u1', email: 'ana@s.test', name: 'Ana Martin', role: CourseRole.Teacher, labs: 0, minutes: 0 },
        { userId: 'u2', email: 'bo@s.test', name: 'Bo, "the" second', role: CourseRole.Student, labs: 3, minutes: 61.3 },
        { userId: 'u3', email: 'cy@s.test', name: 'Cy\nTwo lines', role: CourseRole.Student, labs: 1, minutes: 0.1 },
      ]),
    );
    expect(csv).toBe(
      'email,name,role,labs,minutes\r\n' +
        ',(no owner),,1,2.5\r\n' +
        'ana@s.test,Ana Martin,teacher,0,0\r\n' +
        'bo@s.test,"Bo, ""the"" second",student,3,61.3\r\n' +
        'cy@s.test,"Cy\nTwo lines",student,1,0.1\r\n',
    );
    expect(usageCsv(usage([]))).toBe('email,name,role,labs,minutes\r\n');
  });

  it('neutralises a value a spreadsheet would run as a formula', () => {
    const names = ['=HYPERLINK("http://evil.test")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];
    const csv = usageCsv(usage(names.map((name, i) => person(`u${i}@s.test`, name))));
    const cells = parse(csv, { columns: true }) as Record<string, string>[];
    expect(cells.map((c) => c.name)).toEqual(names.map((n) => `'${n}`));
    expect(cells.every((c) => c.labs === '0' && c.minutes === '0')).toBe(true);
  });

  it('quotes a name holding a lone CR or LF, which a spreadsheet would read as the end of the row', () => {
    expect(usageCsv(usage([person('a@s.test', 'A\rB'), person('b@s.test', 'B\nC')]))).toBe(
      'email,name,role,labs,minutes\r\na@s.test,"A\rB",student,0,0\r\nb@s.test,"B\nC",student,0,0\r\n',
    );
  });
});
