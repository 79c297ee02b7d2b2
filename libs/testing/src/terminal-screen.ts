import { TerminalSession, withTimeout } from '@labfleet/domain';

/** What a terminal session has shown so far, for a test to wait on. */
export interface TerminalScreen {
  readonly output: () => string;
  /** Resolves once `text` has been shown; rejects, naming what was shown instead, after `ms`. */
  shows(text: string, ms?: number): Promise<void>;
  /** Resolves once the session has ended; rejects after `ms`. */
  ends(ms?: number): Promise<void>;
}

/**
 * Reads a session's output as it comes. The waits are woken by the session's own events, not by
 * polling, so a fast backend is not slowed down and a stuck one fails with what it did show.
 */
export function terminalScreen(session: TerminalSession): TerminalScreen {
  let output = '';
  const woken = new Set<() => void>();
  session.onData((chunk) => {
    output += chunk.toString('utf8');
    for (const wake of woken) wake();
  });
  const ended = new Promise<void>((resolve) => session.onEnd(resolve));
  return {
    output: () => output,
    async shows(text, ms = 10_000) {
      let wake: () => void = () => undefined;
      const shown = new Promise<void>((resolve) => {
        wake = () => {
          if (output.includes(text)) resolve();
        };
        woken.add(wake);
        wake();
      });
      try {
        await withTimeout(shown, ms);
      } catch {
        throw new Error(`the terminal did not show ${JSON.stringify(text)} within ${ms} ms; it showed ${JSON.stringify(output)}`);
      } finally {
        woken.delete(wake);
      }
    },
    ends: (ms = 10_000) => withTimeout(ended, ms),
  };
}
