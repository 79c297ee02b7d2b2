import { FakeProcess, TerminalSize } from './fake-exec';

/** What the fake kubelet saw of one TTY exec, for tests to look at. */
export interface TerminalRecord {
  readonly pod: string;
  /** As the kubelet got it, lab-enter first. */
  readonly command: string[];
  /** Every size that came on the resize channel, the first when the exec opened. */
  readonly sizes: TerminalSize[];
  /** Bytes that came on stdin. */
  input: string;
  /** The client closed the connection while the program ran. */
  hungUp: boolean;
}

/**
 * An interactive program behind a TTY, as a line discipline with echo would show it: what is
 * typed comes back (Enter as CR LF), and a finished line runs: `stty size` prints rows and
 * columns of the current size, `echo` prints its words (sums as `$((1+1))` added up, as a shell
 * expands them), `exit [N]` ends the program, anything else is not found.
 */
export function fakeTerminal(record: TerminalRecord): FakeProcess {
  return (io) => {
    let size: TerminalSize = { width: 80, height: 24 };
    let line = '';
    io.onResize((s) => {
      size = s;
      record.sizes.push(s);
    });
    io.onHangup(() => (record.hungUp = true));
    const run = (command: string) => {
      const exit = /^exit(?: (\d+))?$/.exec(command);
      if (exit) return io.exit(Number(exit[1] ?? 0));
      if (command === 'stty size') io.stdout(`${size.height} ${size.width}\r\n`);
      else if (command.startsWith('echo ')) io.stdout(`${expandArithmetic(command.slice(5))}\r\n`);
      else if (command) io.stdout(`sh: ${command.split(' ')[0]}: not found\r\n`);
      io.stdout('$ ');
    };
    io.onStdin((data) => {
      const text = data.toString('utf8');
      record.input += text;
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') {
          io.stdout('\r\n');
          const command = line.trim();
          line = '';
          run(command);
        } else if (ch === '\x7f') {
          if (line) io.stdout('\b \b');
          line = line.slice(0, -1);
        } else {
          line += ch;
          io.stdout(ch);
        }
      }
    });
    io.stdout('$ ');
  };
}

/** `$((a+b+...))` of whole numbers replaced by its value, as the shell's arithmetic expansion does. */
function expandArithmetic(words: string): string {
  return words.replace(/\$\(\((\d+(?:\+\d+)*)\)\)/g, (_, sum: string) => String(sum.split('+').reduce((a, b) => a + Number(b), 0)));
}
