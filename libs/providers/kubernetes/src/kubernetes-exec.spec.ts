import { exitCodeOf } from './kubernetes-exec';

describe('exitCodeOf reads the kubelet’s closing Status of an exec', () => {
  it('is 0 on success and the ExitCode cause otherwise', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })).toBe(3);
  });

  it('names no code when the command never ran or the stream broke', () => {
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'container not found ("dind")' })).toBeUndefined();
    expect(exitCodeOf(undefined)).toBeUndefined();
  });
});
