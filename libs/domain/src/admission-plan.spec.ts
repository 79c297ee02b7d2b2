import { admitFromLine, checkLimits, LimitCheck, planNewLabs, poolLabsToMake, queueFullRefusal } from './admission-plan';
import { QuotaExceededError } from './errors';
import { QuotaState } from './quota';

const NOW = new Date('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
const none = { count: 0, earliestExpiry: null };
const state = (over: Partial<QuotaState> = {}): QuotaState => ({
  courseLive: none,
  ownerLive: none,
  usedSeconds: 0,
  grantedMinutes: 0,
  week: { start: at(-600), end: at(10_000) },
  ...over,
});
const SMALL = { cpus: 0.5, memoryMb: 128 };
const HOST = { capacity: { cpus: 1, memoryMb: 1024 }, queueMax: 2 };

describe('checkLimits', () => {
  /** A course capped at `max` live labs, each lab ending `ttl` minutes from now. */
  const capped = (courseId: string, ownerId: string, max: number, ttl = 60): LimitCheck & { seen: QuotaState[] } => {
    const seen: QuotaState[] = [];
    return {
      courseId,
      ownerId,
      seen,
      admit: (s) => {
        seen.push(s);
        if (s.courseLive.count >= max) throw new QuotaExceededError({ limit: 'maxConcurrentLabs', status: 429, message: 'course full', limitValue: max });
        return at(ttl);
      },
    };
  };

  it('gives each request the end its course allows', () => {
    expect(checkLimits([capped('c', 'a', 1)], [state()])).toEqual([{ ok: true, value: at(60) }]);
  });

  it('counts the labs granted earlier in the batch: in the course, and for the same owner', () => {
    const [a1, b, a2] = [capped('c', 'a', 3, 90), capped('c', 'b', 3, 30), capped('c', 'a', 3)];
    const outcomes = checkLimits([a1, b, a2], [state(), state(), state()]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(b.seen[0]).toMatchObject({ courseLive: { count: 1, earliestExpiry: at(90) }, ownerLive: none });
    expect(a2.seen[0]).toMatchObject({ courseLive: { count: 2, earliestExpiry: at(30) }, ownerLive: { count: 1, earliestExpiry: at(90) } });
  });

  it('refuses a request the earlier ones filled the course for, with its own error', () => {
    const one = state({ courseLive: { count: 1, earliestExpiry: at(5) } });
    const outcomes = checkLimits([capped('c', 'a', 2), capped('c', 'b', 2), capped('c', 'd', 2)], [one, one, one]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, false]);
    expect(outcomes[2]).toMatchObject({ ok: false, error: { refusal: { limit: 'maxConcurrentLabs' } } });
  });

  it('ignores other courses, and refused requests count for nothing', () => {
    const other = capped('elsewhere', 'a', 1);
    const refused = capped('c', 'a', 0);
    const after = capped('c', 'b', 1);
    const outcomes = checkLimits([capped('c', 'a', 1), other, refused, after], [state(), state(), state(), state()]);
    expect(other.seen[0]).toEqual(state());
    expect(after.seen[0].courseLive.count).toBe(1);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, false]);
  });
});

describe('planNewLabs', () => {
  it('provisions what fits while nobody waits, counting the new labs before it in the batch', () => {
    const plan = planNewLabs([{ reserve: SMALL, ...HOST }, { reserve: SMALL, ...HOST }, { reserve: SMALL, ...HOST }], { reserved: { cpus: 0, memoryMb: 0 }, waiting: 0 });
    expect(plan).toEqual([{ via: 'provision' }, { via: 'provision' }, { via: 'queue' }]);
  });

  it('sends a request to the line when capacity is full', () => {
    expect(planNewLabs([{ reserve: SMALL, ...HOST }], { reserved: { cpus: 1, memoryMb: 0 }, waiting: 0 })).toEqual([{ via: 'queue' }]);
  });

  it('never lets a new lab jump the line, even one that would fit', () => {
    expect(planNewLabs([{ reserve: SMALL, ...HOST }], { reserved: { cpus: 0, memoryMb: 0 }, waiting: 1 })).toEqual([{ via: 'queue' }]);
  });

  it('refuses once the line is full, with its numbers; places taken earlier in the batch count', () => {
    const plan = planNewLabs([{ reserve: SMALL, ...HOST }, { reserve: SMALL, ...HOST }], { reserved: { cpus: 1, memoryMb: 0 }, waiting: 1 });
    expect(plan).toEqual([{ via: 'queue' }, { via: 'refuse', waiting: 2, queueMax: 2 }]);
  });

  it('with no line at all, refuses what does not fit', () => {
    expect(planNewLabs([{ reserve: SMALL, ...HOST, queueMax: 0 }], { reserved: { cpus: 1, memoryMb: 0 }, waiting: 0 })).toEqual([{ via: 'refuse', waiting: 0, queueMax: 0 }]);
  });
});

describe('queueFullRefusal', () => {
  it('is a 429 on the admission queue, to retry when the first lab ends', () => {
    expect(queueFullRefusal({ waiting: 3, queueMax: 3 }, at(7), NOW)).toEqual({
      limit: 'admissionQueue',
      status: 429,
      message: 'Labfleet is full and 3 lab requests are already waiting; try again later',
      limitValue: 3,
      current: 3,
      retryAt: at(7),
    });
  });

  it('says a minute when no lab is running', () => {
    expect(queueFullRefusal({ waiting: 0, queueMax: 0 }, null, NOW).retryAt).toEqual(at(1));
  });
});

describe('poolLabsToMake', () => {
  it('makes as many as fit, up to what is wanted', () => {
    expect(poolLabsToMake(5, SMALL, { cpus: 1.5, memoryMb: 1024 }, { reserved: { cpus: 0, memoryMb: 0 }, waiting: 0 })).toBe(3);
    expect(poolLabsToMake(2, SMALL, { cpus: 10, memoryMb: 1024 }, { reserved: { cpus: 0, memoryMb: 0 }, waiting: 0 })).toBe(2);
  });

  it('makes none while someone waits', () => {
    expect(poolLabsToMake(5, SMALL, { cpus: 10, memoryMb: 1024 }, { reserved: { cpus: 0, memoryMb: 0 }, waiting: 1 })).toBe(0);
  });
});

describe('admitFromLine', () => {
  const lab = (id: string, cpus: number) => ({ id, reserve: { cpus, memoryMb: 0 } });

  it('lets the line through in order while it fits', () => {
    expect(admitFromLine([lab('a', 0.5), lab('b', 0.5), lab('c', 0.5)], { cpus: 1, memoryMb: 0 }, { cpus: 0, memoryMb: 0 }).map((w) => w.id)).toEqual(['a', 'b']);
  });

  it('stops at a head that does not fit: small labs behind it do not starve it', () => {
    expect(admitFromLine([lab('big', 2), lab('small', 0.5)], { cpus: 1, memoryMb: 0 }, { cpus: 0, memoryMb: 0 })).toEqual([]);
  });
});
