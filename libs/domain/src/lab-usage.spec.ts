import { LabStatus } from '@labfleet/contracts';
import { Period, runningSecondsByLab, StatusChange, weekOf } from './lab-usage';

const at = (iso: string) => new Date(`2026-03-04T${iso}Z`);
const ev = (labId: string, toStatus: LabStatus, time: string): StatusChange => ({ labId, toStatus, at: at(time) });
// A period of Wednesday 4 March 2026, 10:00 to 12:00 UTC; "now" is later that day unless a test says otherwise.
const PERIOD: Period = { start: at('10:00:00'), end: at('12:00:00') };
const LATE = at('18:00:00');
const seconds = (changes: StatusChange[], now = LATE, period = PERIOD) => Object.fromEntries(runningSecondsByLab(changes, period, now));

describe('runningSecondsByLab', () => {
  it('counts from ready to stopping', () => {
    const changes = [
      ev('a', LabStatus.Pending, '10:10:00'),
      ev('a', LabStatus.Provisioning, '10:10:05'),
      ev('a', LabStatus.Ready, '10:11:00'),
      ev('a', LabStatus.Stopping, '10:41:30'),
      ev('a', LabStatus.Stopped, '10:42:00'),
    ];
    expect(seconds(changes)).toEqual({ a: 1830 });
  });

  it('counts a lab that ends by failing from ready to the failure', () => {
    expect(seconds([ev('a', LabStatus.Ready, '10:00:00'), ev('a', LabStatus.Failed, '10:05:00')])).toEqual({ a: 300 });
  });

  it('clips a lab that started before the period to its start', () => {
    expect(seconds([ev('a', LabStatus.Ready, '09:30:00'), ev('a', LabStatus.Stopping, '10:15:00')])).toEqual({ a: 900 });
  });

  it('clips a lab that ended after the period to its end', () => {
    expect(seconds([ev('a', LabStatus.Ready, '11:50:00'), ev('a', LabStatus.Stopping, '12:30:00')])).toEqual({ a: 600 });
  });

  it('clips on both sides', () => {
    expect(seconds([ev('a', LabStatus.Ready, '09:00:00'), ev('a', LabStatus.Stopping, '13:00:00')])).toEqual({ a: 7200 });
  });

  it('counts 0 for a lab entirely before or after the period', () => {
    const changes = [
      ev('before', LabStatus.Ready, '08:00:00'),
      ev('before', LabStatus.Stopping, '09:00:00'),
      ev('after', LabStatus.Ready, '12:30:00'),
      ev('after', LabStatus.Stopping, '13:00:00'),
    ];
    expect(seconds(changes)).toEqual({ before: 0, after: 0 });
  });

  it('counts a lab still running up to now', () => {
    const now = at('11:00:00');
    expect(seconds([ev('a', LabStatus.Pending, '10:29:00'), ev('a', LabStatus.Ready, '10:30:00')], now)).toEqual({ a: 1800 });
  });

  it('counts a lab still running up to the end of the period when now is later', () => {
    expect(seconds([ev('a', LabStatus.Ready, '11:30:00')])).toEqual({ a: 1800 });
  });

  it('counts 0 for a lab that failed before it was ready', () => {
    const changes = [ev('a', LabStatus.Pending, '10:00:00'), ev('a', LabStatus.Provisioning, '10:00:01'), ev('a', LabStatus.Failed, '10:03:00')];
    expect(seconds(changes)).toEqual({ a: 0 });
  });

  it('counts 0 for a lab still provisioning', () => {
    expect(seconds([ev('a', LabStatus.Pending, '10:00:00'), ev('a', LabStatus.Provisioning, '10:00:01')], at('11:00:00'))).toEqual({ a: 0 });
  });

  it('does not restart the count on an `extended` event (ready → ready)', () => {
    const changes = [
      ev('a', LabStatus.Ready, '10:00:00'),
      ev('a', LabStatus.Ready, '10:30:00'), // extended
      ev('a', LabStatus.Ready, '10:50:00'), // extended again
      ev('a', LabStatus.Stopping, '11:00:00'),
    ];
    expect(seconds(changes)).toEqual({ a: 3600 });
  });

  it('does not restart the count on an `extended` event of a lab still running', () => {
    const changes = [ev('a', LabStatus.Ready, '10:00:00'), ev('a', LabStatus.Ready, '10:40:00')];
    expect(seconds(changes, at('11:00:00'))).toEqual({ a: 3600 });
  });

  it('accepts events in any order', () => {
    const changes = [
      ev('a', LabStatus.Stopped, '10:42:00'),
      ev('a', LabStatus.Ready, '10:30:00'), // extended
      ev('a', LabStatus.Stopping, '10:41:00'),
      ev('a', LabStatus.Pending, '10:09:00'),
      ev('a', LabStatus.Ready, '10:11:00'),
    ];
    expect(seconds(changes)).toEqual({ a: 1800 });
  });

  it('does not count after stopping, even when `stopped` follows', () => {
    const changes = [ev('a', LabStatus.Ready, '10:00:00'), ev('a', LabStatus.Stopping, '10:10:00'), ev('a', LabStatus.Stopped, '11:00:00')];
    expect(seconds(changes)).toEqual({ a: 600 });
  });

  it('counts several labs separately, interleaved and out of order', () => {
    const changes = [
      ev('b', LabStatus.Stopping, '11:20:00'),
      ev('a', LabStatus.Ready, '10:00:00'),
      ev('c', LabStatus.Failed, '10:02:00'),
      ev('b', LabStatus.Ready, '11:00:00'),
      ev('d', LabStatus.Ready, '11:45:00'),
      ev('a', LabStatus.Stopping, '10:10:00'),
      ev('c', LabStatus.Pending, '10:01:00'),
    ];
    const now = at('11:55:00');
    const result = runningSecondsByLab(changes, PERIOD, now);
    expect(Object.fromEntries(result)).toEqual({ a: 600, b: 1200, c: 0, d: 600 });
    expect(result.size).toBe(4);
  });

  it('returns an empty map without events', () => {
    expect(runningSecondsByLab([], PERIOD, LATE).size).toBe(0);
  });

  it('counts over a real week', () => {
    const week = weekOf(new Date('2026-03-04T10:00:00Z'));
    const changes: StatusChange[] = [
      { labId: 'a', toStatus: LabStatus.Ready, at: new Date('2026-03-01T23:00:00Z') }, // Sunday of the week before
      { labId: 'a', toStatus: LabStatus.Stopping, at: new Date('2026-03-02T01:00:00Z') },
      { labId: 'b', toStatus: LabStatus.Ready, at: new Date('2026-03-08T23:30:00Z') }, // Sunday night, still running
    ];
    expect(Object.fromEntries(runningSecondsByLab(changes, week, new Date('2026-03-09T08:00:00Z')))).toEqual({ a: 3600, b: 1800 });
  });
});

describe('weekOf', () => {
  const week = (iso: string) => {
    const { start, end } = weekOf(new Date(iso));
    return [start.toISOString(), end.toISOString()];
  };

  it('gives the Monday before for a Sunday', () => {
    expect(week('2026-03-08T23:59:59.999Z')).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  });

  it('gives the same Monday for a Monday at 00:00', () => {
    expect(week('2026-03-09T00:00:00.000Z')).toEqual(['2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z']);
  });

  it('gives the Monday of the week for a Wednesday', () => {
    expect(week('2026-03-04T15:30:00Z')).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  });

  it('crosses a month boundary', () => {
    // Wednesday 1 April 2026 belongs to the week of Monday 30 March.
    expect(week('2026-04-01T08:00:00Z')).toEqual(['2026-03-30T00:00:00.000Z', '2026-04-06T00:00:00.000Z']);
  });

  it('crosses a year boundary', () => {
    // Thursday 1 January 2026 belongs to the week of Monday 29 December 2025.
    expect(week('2026-01-01T00:00:00Z')).toEqual(['2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z']);
    // Sunday 4 January 2026 too.
    expect(week('2026-01-04T12:00:00Z')).toEqual(['2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z']);
  });

  it('ends a week that runs into the next month and year', () => {
    // Monday 28 December 2026 to Monday 4 January 2027.
    expect(week('2026-12-31T23:00:00Z')).toEqual(['2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z']);
  });

  it('uses UTC, not local time, for a time just after midnight UTC on a Monday', () => {
    expect(week('2026-03-09T00:00:01Z')).toEqual(['2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z']);
    expect(week('2026-03-08T23:59:59Z')).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  });
});

describe('runningSecondsByLab with the warm pool', () => {
  it("counts a claimed pool lab from the claim, not from when it became ready for the pool", () => {
    const t = (m: number) => new Date(Date.UTC(2026, 2, 4, 10, m));
    const seconds = runningSecondsByLab(
      [
        { labId: 'p', toStatus: LabStatus.Ready, at: t(0) },
        { labId: 'p', toStatus: LabStatus.Ready, at: t(30), action: 'claimed' },
        { labId: 'p', toStatus: LabStatus.Stopping, at: t(40) },
      ],
      { start: t(0), end: t(60) },
      t(60),
    );
    expect(seconds.get('p')).toBe(600);
  });
});
