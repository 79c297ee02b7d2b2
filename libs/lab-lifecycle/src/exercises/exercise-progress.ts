import { stringify } from 'csv-stringify/sync';

export interface GridExercise {
  readonly id: string;
  readonly key: string;
  readonly title: string;
}

export interface GridStudent {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
}

export interface ProgressRow {
  readonly exerciseId: string;
  readonly userId: string;
  readonly attempts: number;
  readonly firstPassedAt: Date | null;
}

export type ExerciseState = 'done' | 'tried' | 'not-started';

export interface GridCell {
  readonly exerciseId: string;
  readonly state: ExerciseState;
  readonly attempts: number;
  readonly firstPassedAt: string | null;
}

export interface GridLine extends GridStudent {
  readonly done: number;
  readonly cells: GridCell[];
}

export interface ProgressGrid {
  readonly exercises: GridExercise[];
  readonly students: GridLine[];
}

/** Each student's standing on each exercise, in the course's order; exercises never tried are `not-started`. */
export function progressGrid(exercises: readonly GridExercise[], students: readonly GridStudent[], rows: readonly ProgressRow[]): ProgressGrid {
  const byCell = new Map(rows.map((r) => [`${r.userId}/${r.exerciseId}`, r]));
  return {
    exercises: [...exercises],
    students: students.map((s) => {
      const cells = exercises.map((e): GridCell => {
        const r = byCell.get(`${s.userId}/${e.id}`);
        if (!r) return { exerciseId: e.id, state: 'not-started', attempts: 0, firstPassedAt: null };
        return { exerciseId: e.id, state: r.firstPassedAt ? 'done' : 'tried', attempts: r.attempts, firstPassedAt: r.firstPassedAt?.toISOString() ?? null };
      });
      return { ...s, done: cells.filter((c) => c.state === 'done').length, cells };
    }),
  };
}

/** The grid as the CSV file teachers download: one row per student and exercise, CRLF line ends (RFC 4180). */
export function progressCsv(grid: ProgressGrid): string {
  const rows = grid.students.flatMap((s) =>
    s.cells.map((c, i) => ({ email: s.email, name: s.name, position: i + 1, exercise: grid.exercises[i].title, key: grid.exercises[i].key, state: c.state, attempts: c.attempts, firstPassedAt: c.firstPassedAt ?? '' })),
  );
  return stringify(rows, {
    header: true,
    columns: ['email', 'name', 'position', 'key', 'exercise', 'state', 'attempts', { key: 'firstPassedAt', header: 'first_passed_at' }],
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    // A title or name such as `=HYPERLINK(…)` is written as text a spreadsheet will not run.
    escape_formulas: true,
  });
}
