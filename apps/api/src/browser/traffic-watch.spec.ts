import { movedBetween, watchTraffic } from './traffic-watch';

describe('movedBetween', () => {
  it('is true when bytes came in or went out, false when neither counter moved', () => {
    const before = { bytesRead: 10, bytesWritten: 20 };
    expect(movedBetween(before, { bytesRead: 10, bytesWritten: 20 })).toBe(false);
    expect(movedBetween(before, { bytesRead: 11, bytesWritten: 20 })).toBe(true);
    expect(movedBetween(before, { bytesRead: 10, bytesWritten: 21 })).toBe(true);
  });
});

describe('watchTraffic', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports each period with traffic in either direction once, quiet periods never, and nothing after stop', () => {
    const connection = { bytesRead: 0, bytesWritten: 0 };
    const onTraffic = jest.fn();
    const stop = watchTraffic(connection, 1000, onTraffic);
    jest.advanceTimersByTime(1000);
    expect(onTraffic).toHaveBeenCalledTimes(0);
    // Many frames in one period count once.
    for (let i = 0; i < 50; i++) connection.bytesRead += 7;
    jest.advanceTimersByTime(1000);
    expect(onTraffic).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(3000);
    expect(onTraffic).toHaveBeenCalledTimes(1);
    // The app's frames to the browser count as the browser's to the app do.
    connection.bytesWritten += 5;
    jest.advanceTimersByTime(1000);
    expect(onTraffic).toHaveBeenCalledTimes(2);
    stop();
    connection.bytesRead += 1;
    jest.advanceTimersByTime(5000);
    expect(onTraffic).toHaveBeenCalledTimes(2);
  });
});
