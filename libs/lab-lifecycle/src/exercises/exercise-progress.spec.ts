import { parse } from 'csv-parse/sync';
import { progressCsv, progressGrid } from './exercise-progress';

const exercises = [
  { id: 'e1', key: 'nginx', title: 'Run nginx' },
  { id: 'e2', key: 'volume', title: '=HYPERLINK("x")' },
];
const students = [
  { userId: 'u1', email: 'ana@example.test', name: 'Ana' },
  { userId: 'u2', email: 'ben@example.test', name: 'Ben, "B"\nsecond line' },
];
const passedAt = new Date('2026-11-29T10:00:00Z');

describe('exercise progress', () => {
  const grid = progressGrid(exercises, students, [
    { exerciseId: 'e1', userId: 'u1', attempts: 3, firstPassedAt: passedAt },
    { exerciseId: 'e2', userId: 'u1', attempts: 2, firstPassedAt: null },
    { exerciseId: 'e2', userId: 'other', attempts: 1, firstPassedAt: passedAt },
  ]);

  it('gives each student a cell per exercise, in order: done, tried or not started', () => {
    expect(grid.students[0]).toMatchObject({
      userId: 'u1',
      done: 1,
      cells: [
        { exerciseId: 'e1', state: 'done', attempts: 3, firstPassedAt: '2026-11-29T10:00:00.000Z' },
        { exerciseId: 'e2', state: 'tried', attempts: 2, firstPassedAt: null },
      ],
    });
    expect(grid.students[1]).toMatchObject({ done: 0, cells: [{ state: 'not-started', attempts: 0 }, { state: 'not-started', attempts: 0 }] });
  });

  it('ignores rows of people who are not students of the course', () => {
    expect(grid.students.map((s) => s.userId)).toEqual(['u1', 'u2']);
  });

  it('exports one CSV row per student and exercise, quoting what must be, formulas neutralised', () => {
    const csv = progressCsv(grid);
    expect(csv.split('\r\n')[0]).toBe('email,name,position,key,exercise,state,attempts,first_passed_at');
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({ email: 'ana@example.test', name: 'Ana', position: '1', key: 'nginx', exercise: 'Run nginx', state: 'done', attempts: '3', first_passed_at: '2026-11-29T10:00:00.000Z' });
    expect(rows[1].exercise).toBe(`'=HYPERLINK("x")`);
    expect(rows[3]).toMatchObject({ name: 'Ben, "B"\nsecond line', state: 'not-started', attempts: '0', first_passed_at: '' });
  });
});
