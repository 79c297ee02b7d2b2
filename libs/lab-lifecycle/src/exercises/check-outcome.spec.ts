import { checkOutcome } from './check-outcome';

const run = (over: Partial<Parameters<typeof checkOutcome>[0]>) => ({ exitCode: 0, stdout: '', stderr: '', truncated: false, timedOut: false, durationMs: 40, ...over });

describe('a check run, as the student sees it', () => {
  it('exit 0 is done, with the check\'s output as the message', () => {
    expect(checkOutcome(run({ stdout: 'nginx answers on 8080\n' }), 20)).toEqual({ passed: true, timedOut: false, exitCode: 0, message: 'nginx answers on 8080', durationMs: 40 });
  });

  it('any other exit is not done; stdout and stderr both shown', () => {
    expect(checkOutcome(run({ exitCode: 1, stdout: 'No container publishes 8080.', stderr: 'curl: (7) refused' }), 20)).toMatchObject({ passed: false, message: 'No container publishes 8080.\ncurl: (7) refused' });
  });

  it('a silent check still says something', () => {
    expect(checkOutcome(run({}), 20).message).toBe('Done.');
    expect(checkOutcome(run({ exitCode: 3 }), 20).message).toBe('Not done yet (the check exited with 3).');
  });

  it('a check cut at its timeout has not passed, and says so', () => {
    const r = checkOutcome(run({ exitCode: 0, timedOut: true, stdout: 'halfway' }), 5);
    expect(r).toMatchObject({ passed: false, timedOut: true });
    expect(r.message).toBe('The check did not finish within 5 s and was stopped.\nhalfway');
  });

  it('keeps the end of a long output, where the verdict is', () => {
    const r = checkOutcome(run({ exitCode: 1, stdout: `${'x'.repeat(5000)}\nthe reason` }), 20);
    expect(r.message.length).toBe(2001);
    expect(r.message.endsWith('the reason')).toBe(true);
  });
});
