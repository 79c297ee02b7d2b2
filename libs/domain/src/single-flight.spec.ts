import { SingleFlight } from './single-flight';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('SingleFlight', () => {
  it('shares a running call per key, and calls again once it has settled', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    const call = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 5));
    const together = Promise.all([flight.run('a', call), flight.run('a', call), flight.run('b', call)]);
    await jest.advanceTimersByTimeAsync(5);
    expect(await together).toEqual([1, 1, 2]);
    const again = flight.run('a', call);
    await jest.advanceTimersByTimeAsync(5);
    expect(await again).toBe(3);
  });

  it('shares a failure, and forgets it', async () => {
    const flight = new SingleFlight<number>();
    const failing = () => Promise.reject(new Error('down'));
    await expect(Promise.all([flight.run('a', failing), flight.run('a', () => Promise.resolve(1))])).rejects.toThrow('down');
    await expect(flight.run('a', () => Promise.resolve(2))).resolves.toBe(2);
  });
});
