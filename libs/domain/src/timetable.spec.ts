import { localTime, scheduledDemand, TimetableSlot } from './timetable';

// Wednesday 2026-03-04 09:00 UTC = 10:00 in Paris (UTC+1 in March).
const NOW = new Date('2026-03-04T09:00:00Z');
const slot = (over: Partial<TimetableSlot>): TimetableSlot => ({ templateId: 't', weekday: 3, startMinute: 600, endMinute: 720, expectedStudents: 25, timezone: 'Europe/Paris', ...over });

describe('timetable', () => {
  it('reads the local weekday and minute in a time zone', () => {
    expect(localTime(NOW, 'Europe/Paris')).toEqual({ weekday: 3, minute: 600 });
    expect(localTime(NOW, 'Pacific/Auckland')).toEqual({ weekday: 3, minute: 22 * 60 });
    expect(localTime(NOW, 'UTC')).toEqual({ weekday: 3, minute: 540 });
  });

  it('counts sessions under way and those starting within the lead time, per template', () => {
    const demand = scheduledDemand(
      [slot({}), slot({ startMinute: 605, expectedStudents: 5 }), slot({ templateId: 'u', startMinute: 620, expectedStudents: 7 }), slot({ startMinute: 700, expectedStudents: 99 })],
      NOW,
      10,
    );
    expect(demand).toEqual(new Map([['t', 30]]));
    expect(scheduledDemand([slot({ templateId: 'u', startMinute: 620 })], NOW, 20)).toEqual(new Map([['u', 25]]));
  });

  it('stops counting at the end, and wraps around the week for a Monday 00:05 session seen on Sunday night', () => {
    expect(scheduledDemand([slot({ startMinute: 480, endMinute: 600 })], NOW, 10)).toEqual(new Map());
    const sundayNight = new Date('2026-03-08T22:58:00Z'); // 23:58 in Paris, Sunday
    expect(scheduledDemand([slot({ weekday: 1, startMinute: 5, endMinute: 60 })], sundayNight, 10)).toEqual(new Map([['t', 25]]));
    expect(scheduledDemand([slot({ weekday: 1, startMinute: 5, endMinute: 60 })], sundayNight, 5)).toEqual(new Map());
  });
});

describe('timetable around midnight in Auckland (UTC+13 in March)', () => {
  // Thursday 00:00–01:00 in Auckland, which is Wednesday 11:00–12:00 UTC.
  const thursdayMidnight = slot({ weekday: 4, startMinute: 0, endMinute: 60, timezone: 'Pacific/Auckland' });

  it('turns the local day at local midnight', () => {
    expect(localTime(new Date('2026-03-04T10:59:59Z'), 'Pacific/Auckland')).toEqual({ weekday: 3, minute: 1439 });
    expect(localTime(new Date('2026-03-04T11:00:00Z'), 'Pacific/Auckland')).toEqual({ weekday: 4, minute: 0 });
  });

  it.each([
    ['2026-03-04T10:49:00Z', 'Wednesday 23:49', 0],
    ['2026-03-04T10:50:00Z', 'Wednesday 23:50', 25],
    ['2026-03-04T11:00:00Z', 'Thursday 00:00', 25],
    ['2026-03-04T11:59:00Z', 'Thursday 00:59', 25],
    ['2026-03-04T12:00:00Z', 'Thursday 01:00', 0],
  ])('at %s (%s in Auckland) wants %d labs for a session at midnight with 10 minutes of lead', (iso, _local, labs) => {
    expect(scheduledDemand([thursdayMidnight], new Date(iso), 10).get('t') ?? 0).toBe(labs);
  });

  describe.each([
    ['just before midnight in Auckland', '2026-03-04T10:59:59.999Z'],
    ['at midnight in Auckland', '2026-03-04T11:00:00.000Z'],
    ['just before midnight in Los Angeles', '2026-03-05T07:59:59.999Z'],
    ['just before midnight UTC on a Sunday', '2026-03-08T23:59:59.999Z'],
  ])('with the machine’s clock %s', (_name, machineNow) => {
    beforeEach(() => jest.useFakeTimers({ now: new Date(machineNow) }));
    afterEach(() => jest.useRealTimers());

    it('answers from the instant it is given, never from the clock', () => {
      expect(localTime(NOW, 'Pacific/Auckland')).toEqual({ weekday: 3, minute: 22 * 60 });
      expect(scheduledDemand([slot({})], NOW, 10)).toEqual(new Map([['t', 25]]));
      expect(scheduledDemand([thursdayMidnight], new Date('2026-03-04T10:50:00Z'), 10)).toEqual(new Map([['t', 25]]));
      expect(scheduledDemand([thursdayMidnight], NOW, 10)).toEqual(new Map());
    });
  });
});
