/** A weekly session: ISO weekday (1 = Monday), minutes since local midnight, in `timezone`. */
export interface TimetableSlot {
  readonly templateId: string;
  readonly weekday: number;
  readonly startMinute: number;
  readonly endMinute: number;
  readonly expectedStudents: number;
  readonly timezone: string;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Weekday and minute of the day at `at` in an IANA time zone. */
export function localTime(at: Date, timezone: string): { weekday: number; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { weekday: WEEKDAYS[parts.weekday], minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

export const isTimezone = (name: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
};

/**
 * Labs each template should have waiting now: the students expected in sessions that start within
 * `leadMinutes` or are under way. After a session the demand drops and the pool shrinks back.
 */
export function scheduledDemand(slots: readonly TimetableSlot[], now: Date, leadMinutes: number): Map<string, number> {
  const demand = new Map<string, number>();
  for (const slot of slots) {
    const { weekday, minute } = localTime(now, slot.timezone);
    // Minutes from this slot's start this week (negative: before it), wrapping around the week.
    let sinceStart = (weekday - slot.weekday) * 1440 + (minute - slot.startMinute);
    if (sinceStart < -leadMinutes) sinceStart += 7 * 1440;
    if (sinceStart >= 7 * 1440 - leadMinutes) sinceStart -= 7 * 1440;
    if (sinceStart >= -leadMinutes && sinceStart < slot.endMinute - slot.startMinute) {
      demand.set(slot.templateId, (demand.get(slot.templateId) ?? 0) + slot.expectedStudents);
    }
  }
  return demand;
}
