import { EventEmitter } from 'node:events';
import { endsWithin, withTimeout } from './with-timeout';

/** What a promise has done so far, read without awaiting it. */
function track<T>(promise: Promise<T>): { state: 'pending' | 'resolved' | 'rejected'; value?: unknown } {
  const seen: { state: 'pending' | 'resolved' | 'rejected'; value?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(seen, { state: 'resolved', value }),
    (error: unknown) => Object.assign(seen, { state: 'rejected', value: error }),
  );
  return seen;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('withTimeout', () => {
  it('passes a prompt answer through, and leaves no timer behind', async () => {
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects a late one at the time limit, not before, saying how long it waited', async () => {
    const late = track(withTimeout(new Promise((r) => setTimeout(r, 500)), 20));
    await jest.advanceTimersByTimeAsync(19);
    expect(late.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(late).toEqual({ state: 'rejected', value: new Error('no answer within 20 ms') });
  });
});

describe('endsWithin', () => {
  it('is true as soon as one of the events comes, and clears its timer', async () => {
    const source = new EventEmitter();
    const ended = track(endsWithin(source, ['end', 'close'], 1000));
    await jest.advanceTimersByTimeAsync(999);
    source.emit('close');
    await jest.advanceTimersByTimeAsync(0);
    expect(ended).toEqual({ state: 'resolved', value: true });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is false once the time is up with none of them', async () => {
    const ended = track(endsWithin(new EventEmitter(), ['end'], 1000));
    await jest.advanceTimersByTimeAsync(999);
    expect(ended.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(ended).toEqual({ state: 'resolved', value: false });
  });
});
