import { CommandResult, ExecIo, FakeProcess, headOfStdin } from './fake-exec';

/** A check run as the domain's `checkCommand` spells it, inside `timeout --signal=KILL <seconds>`. */
export interface CheckRun {
  readonly seconds: number;
  /** How much of stdin `head -c` reads: the script. */
  readonly bytes: number;
  /** The script's commands read /dev/null rather than the rest of the exec's stdin. */
  readonly devNull: boolean;
}

/** `timeout --signal=KILL S bash -c 'eval "$(head -c N)" [</dev/null]'`, or undefined for another command. */
export function checkRunOf(argv: readonly string[]): CheckRun | undefined {
  if (argv[0] !== 'timeout' || argv[1] !== '--signal=KILL' || argv[3] !== 'bash' || argv[4] !== '-c' || argv.length !== 6) return undefined;
  const form = /^eval "\$\(head -c (\d+)\)"( <\/dev\/null)?$/.exec(argv[5]);
  return form ? { seconds: Number(argv[2]), bytes: Number(form[1]), devNull: form[2] !== undefined } : undefined;
}

/** What a line of the script did: its exit code, the end of the script, or a wait. */
type Step = { readonly code: number } | { readonly exit: number } | { readonly wait: (resume: (code: number) => void) => void };

/**
 * The check runner as bash would run it: it reads the script with `head -c` (exactly `bytes`, or
 * what came before stdin ended), then runs it line by line, the exit code that of the last
 * command or of `exit`; `timeout` kills it (137) when its time is up. A line is a comment, `echo
 * WORDS` (one pair of quotes around them dropped; `>&2` at the end writes to stderr), `exit [N]`,
 * `sleep N`, `cat` (copies the rest of its stdin until it ends: at once from /dev/null), or a
 * command of the lab image that `command` answers.
 */
export function fakeCheckShell(run: CheckRun, command: (argv: string[]) => CommandResult): FakeProcess {
  return (io) => {
    io.later(run.seconds * 1000, () => io.exit(137));
    // Stdin past the script, kept for a `cat` of the script to read.
    const rest: Buffer[] = [];
    let reader: ((data: Buffer) => void) | undefined;
    let stdinEnded = false;
    io.onStdinEnd(() => (stdinEnded = true));
    const cat = (resume: (code: number) => void) => {
      if (run.devNull) return resume(0);
      reader = (data) => io.stdout(data);
      for (const data of rest.splice(0)) reader(data);
      if (stdinEnded) return resume(0);
      io.onStdinEnd(() => resume(0));
    };
    const step = (line: string): Step => {
      const echo = /^echo (.*?)( >&2)?$/.exec(line);
      if (echo) {
        (echo[2] ? io.stderr : io.stdout)(`${unquote(echo[1])}\n`);
        return { code: 0 };
      }
      const exit = /^exit(?: (\d+))?$/.exec(line);
      if (exit) return { exit: exit[1] === undefined ? -1 : Number(exit[1]) };
      const sleep = /^sleep (\d+)$/.exec(line);
      if (sleep) return { wait: (resume) => io.later(Number(sleep[1]) * 1000, () => resume(0)) };
      if (line === 'cat') return { wait: cat };
      const result = command(line.split(/\s+/));
      if (result.stdout) io.stdout(result.stdout);
      if (result.stderr) io.stderr(result.stderr);
      return result.ms ? { wait: (resume) => io.later(result.ms!, () => resume(result.exitCode)) } : { code: result.exitCode };
    };
    headOfStdin(
      io,
      run.bytes,
      (script) => runLines(io, script.toString('utf8').split('\n'), step),
      (data) => (reader ? reader(data) : rest.push(data)),
    );
  };
}

/** Runs the lines in order, waiting where a line waits; synchronous lines in a loop (a 100 kB script has thousands). */
function runLines(io: ExecIo, lines: string[], step: (line: string) => Step): void {
  let last = 0;
  const from = (start: number): void => {
    for (let i = start; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line || line.startsWith('#')) continue;
      const done = step(line);
      if ('exit' in done) return io.exit(done.exit < 0 ? last : done.exit);
      if ('wait' in done)
        return done.wait((code) => {
          last = code;
          from(i + 1);
        });
      last = done.code;
    }
    io.exit(last);
  };
  from(0);
}

const unquote = (words: string): string => /^"(.*)"$|^'(.*)'$/.exec(words)?.slice(1).find((w) => w !== undefined) ?? words.split(/\s+/).join(' ');
