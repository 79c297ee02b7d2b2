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
