import type { ExecResult } from '@labfleet/domain';

/** How much of a check's output the student is shown (and the attempt keeps): its end, where the verdict is. */
export const CHECK_MESSAGE_LIMIT = 2000;

export interface CheckOutcome {
  readonly passed: boolean;
  readonly timedOut: boolean;
  readonly exitCode: number;
  readonly message: string;
  readonly durationMs: number;
}

/**
 * What a check's run means for the student: exit 0 is done, anything else is not; its output is
 * the message. A check cut at its timeout has not passed, whatever it printed, and says so.
 */
export function checkOutcome(result: ExecResult, timeoutSeconds: number): CheckOutcome {
  const output = [result.stdout, result.stderr].map((s) => s.trim()).filter(Boolean).join('\n');
  const tail = output.length > CHECK_MESSAGE_LIMIT ? `…${output.slice(-CHECK_MESSAGE_LIMIT)}` : output;
  const passed = result.exitCode === 0 && !result.timedOut;
  let message = tail;
  if (result.timedOut) message = `The check did not finish within ${timeoutSeconds} s and was stopped.${tail ? `\n${tail}` : ''}`;
  else if (!message) message = passed ? 'Done.' : `Not done yet (the check exited with ${result.exitCode}).`;
  return { passed, timedOut: result.timedOut, exitCode: result.exitCode, message, durationMs: result.durationMs };
}
