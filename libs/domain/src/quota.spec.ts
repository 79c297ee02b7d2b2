import { CoursePolicy, DEFAULT_COURSE_POLICY } from './course-policy';
import { weekOf } from './lab-usage';
import { admitLab, Decision, extendLab, QuotaRefusal, QuotaState } from './quota';

// Wednesday 4 March 2026, in the week Monday 2 March 00:00 UTC .. Monday 9 March 00:00 UTC.
const NOW = new Date('2026-03-04T10:00:00Z');
const WEEK = { start: new Date('2026-03-02T00:00:00Z'), end: new Date('2026-03-09T00:00:00Z') };
const SOON = new Date('2026-03-04T10:20:00Z');
const LATER = new Date('2026-03-04T11:00:00Z');

const policy = (over: Partial<CoursePolicy> = {}): CoursePolicy => ({ ...DEFAULT_COURSE_POLICY, labsPerStudent: 1, ...over });
const state = (over: Partial<QuotaState> = {}): QuotaState => ({
  courseLive: { count: 0, earliestExpiry: null },
  ownerLive: { count: 0, earliestExpiry: null },
  usedSeconds: 0,
  grantedMinutes: 0,
  week: WEEK,
  ...over,
});
const request = (over: { template?: string; templateTtlSeconds?: number; ttlSeconds?: number } = {}) => ({ template: 'docker', templateTtlSeconds: 3600, ...over });

function refusalOf<T>(d: Decision<T>): QuotaRefusal {
  if (d.ok) throw new Error(`expected a refusal, got ${String(d.value)}`);
  return d.refusal;
}

describe('admitLab', () => {
  it('the fixed week of these tests is the one weekOf gives', () => {
    expect(weekOf(NOW)).toEqual(WEEK);
  });

  describe('allowedTemplates', () => {
    it('refuses a template not in the list with 409, naming the allowed ones', () => {
      expect(refusalOf(admitLab(policy({ allowedTemplates: ['docker', 'python'] }), request({ template: 'k8s' }), state()))).toEqual({
        limit: 'allowedTemplates',
        status: 409,
        message: "template 'k8s' is not allowed in this course (allowed: docker, python)",
        limitValue: ['docker', 'python'],
      });
    });

    it('an empty list allows nothing, and says so', () => {
      const r = refusalOf(admitLab(policy({ allowedTemplates: [] }), request(), state()));
      expect(r.limit).toBe('allowedTemplates');
      expect(r.message).toBe("template 'docker' is not allowed in this course (allowed: none)");
    });

    it('admits a listed template', () => {
      expect(admitLab(policy({ allowedTemplates: ['python', 'docker'] }), request(), state())).toEqual({ ok: true, value: 3600 });
    });
  });

  describe('maxTtlSeconds', () => {
    it('refuses a requested TTL above the limit with 409, naming both numbers', () => {
      expect(refusalOf(admitLab(policy({ maxTtlSeconds: 3600 }), request({ ttlSeconds: 7200 }), state()))).toEqual({
        limit: 'maxTtlSeconds',
        status: 409,
        message: 'a lab may live at most 3600 s in this course; asked for 7200 s',
        limitValue: 3600,
      });
    });

    it('admits a requested TTL equal to the limit', () => {
      expect(admitLab(policy({ maxTtlSeconds: 3600 }), request({ ttlSeconds: 3600 }), state())).toEqual({ ok: true, value: 3600 });
    });

    it('does not refuse a long template TTL: it caps it', () => {
      expect(admitLab(policy({ maxTtlSeconds: 1200 }), request({ templateTtlSeconds: 7200 }), state())).toEqual({ ok: true, value: 1200 });
    });
  });

  describe('labsPerStudent', () => {
    it('refuses with 409 when the student has as many live labs as allowed, retrying at their earliest expiry', () => {
      const s = state({ ownerLive: { count: 2, earliestExpiry: SOON }, courseLive: { count: 5, earliestExpiry: NOW } });
      expect(refusalOf(admitLab(policy({ labsPerStudent: 2 }), request(), s))).toEqual({
        limit: 'labsPerStudent',
        status: 409,
        message: 'you already have 2 running lab(s) in this course (limit 2); stop one first',
        limitValue: 2,
        current: 2,
        retryAt: SOON,
      });
    });

    it('admits one below the limit', () => {
      const s = state({ ownerLive: { count: 1, earliestExpiry: SOON } });
      expect(admitLab(policy({ labsPerStudent: 2 }), request(), s)).toEqual({ ok: true, value: 3600 });
    });

    it('has no retryAt when no expiry is known', () => {
      const r = refusalOf(admitLab(policy({ labsPerStudent: 1 }), request(), state({ ownerLive: { count: 1, earliestExpiry: null } })));
      expect(r.limit).toBe('labsPerStudent');
      expect(r.retryAt).toBeUndefined();
    });

    it('is checked before the course limit when both are reached', () => {
      const s = state({ ownerLive: { count: 1, earliestExpiry: SOON }, courseLive: { count: 3, earliestExpiry: NOW } });
      expect(refusalOf(admitLab(policy({ labsPerStudent: 1, maxConcurrentLabs: 3 }), request(), s)).limit).toBe('labsPerStudent');
    });
  });

  describe('maxConcurrentLabs', () => {
    it('refuses with 429 when the course is full, retrying at the course’s earliest expiry', () => {
      const s = state({ courseLive: { count: 3, earliestExpiry: SOON }, ownerLive: { count: 0, earliestExpiry: null } });
      expect(refusalOf(admitLab(policy({ maxConcurrentLabs: 3 }), request(), s))).toEqual({
        limit: 'maxConcurrentLabs',
        status: 429,
        message: 'the course has 3 running labs, its limit; try again when one ends',
        limitValue: 3,
        current: 3,
        retryAt: SOON,
      });
    });

    it('refuses when over the limit too (a limit lowered while labs run)', () => {
      const r = refusalOf(admitLab(policy({ maxConcurrentLabs: 2 }), request(), state({ courseLive: { count: 4, earliestExpiry: LATER } })));
      expect(r).toMatchObject({ limit: 'maxConcurrentLabs', status: 429, current: 4, limitValue: 2, retryAt: LATER });
      expect(r.message).toBe('the course has 4 running labs, its limit; try again when one ends');
    });

    it('admits one below the limit', () => {
      expect(admitLab(policy({ maxConcurrentLabs: 3 }), request(), state({ courseLive: { count: 2, earliestExpiry: SOON } }))).toEqual({ ok: true, value: 3600 });
    });
  });

  describe('weeklyMinutesPerStudent', () => {
    it('refuses with 429 when the budget is used up, retrying at the end of the week', () => {
      expect(refusalOf(admitLab(policy({ weeklyMinutesPerStudent: 600 }), request(), state({ usedSeconds: 600 * 60 })))).toEqual({
        limit: 'weeklyMinutesPerStudent',
        status: 429,
        message: 'weekly lab time used up: 600 of 600 minutes this week',
        limitValue: 600,
        current: 600,
        retryAt: WEEK.end,
      });
    });

    it('counts grants in the budget the message names, but not in limitValue', () => {
      const r = refusalOf(admitLab(policy({ weeklyMinutesPerStudent: 60 }), request(), state({ usedSeconds: 90 * 60, grantedMinutes: 30 })));
      expect(r).toMatchObject({ limit: 'weeklyMinutesPerStudent', status: 429, limitValue: 60, current: 90, retryAt: WEEK.end });
      expect(r.message).toBe('weekly lab time used up: 90 of 90 minutes this week');
    });

    it('refuses with less than 60 s left', () => {
      const r = refusalOf(admitLab(policy({ weeklyMinutesPerStudent: 10 }), request(), state({ usedSeconds: 541 })));
      expect(r.limit).toBe('weeklyMinutesPerStudent');
      expect(r.message).toBe('weekly lab time used up: 9 of 10 minutes this week');
    });

    it('admits with exactly 60 s left, for 60 s', () => {
      expect(admitLab(policy({ weeklyMinutesPerStudent: 10 }), request(), state({ usedSeconds: 540 }))).toEqual({ ok: true, value: 60 });
    });

    it('a grant reopens a used-up budget', () => {
      const p = policy({ weeklyMinutesPerStudent: 30 });
      expect(admitLab(p, request(), state({ usedSeconds: 30 * 60 })).ok).toBe(false);
      expect(admitLab(p, request(), state({ usedSeconds: 30 * 60, grantedMinutes: 10 }))).toEqual({ ok: true, value: 600 });
    });
  });

  describe('the TTL granted', () => {
    it('is the template’s TTL without limits', () => {
      expect(admitLab(policy(), request({ templateTtlSeconds: 5400 }), state())).toEqual({ ok: true, value: 5400 });
    });

    it('is the requested TTL when one is given, shorter or longer than the template’s', () => {
      expect(admitLab(policy(), request({ ttlSeconds: 1800 }), state())).toEqual({ ok: true, value: 1800 });
      expect(admitLab(policy(), request({ ttlSeconds: 7200 }), state())).toEqual({ ok: true, value: 7200 });
    });

    it('is capped by the course’s longest TTL', () => {
      expect(admitLab(policy({ maxTtlSeconds: 2400 }), request({ templateTtlSeconds: 3600 }), state())).toEqual({ ok: true, value: 2400 });
    });

    it('is capped by what is left of the weekly budget, in whole seconds', () => {
      // 60 min budget, 45 min and 0.5 s used: 899.5 s left.
      expect(admitLab(policy({ weeklyMinutesPerStudent: 60 }), request(), state({ usedSeconds: 45 * 60 + 0.5 }))).toEqual({ ok: true, value: 899 });
    });

    it('is the smallest of requested, longest TTL and remaining budget', () => {
      const p = policy({ maxTtlSeconds: 3000, weeklyMinutesPerStudent: 100 });
      // requested 2000 < max 3000 < budget 6000 - 1000 = 5000
      expect(admitLab(p, request({ ttlSeconds: 2000 }), state({ usedSeconds: 1000 }))).toEqual({ ok: true, value: 2000 });
      // max 3000 < template 3600, budget 5000
      expect(admitLab(p, request(), state({ usedSeconds: 1000 }))).toEqual({ ok: true, value: 3000 });
      // budget 6000 + 10 * 60 - 5000 = 1600 < requested 2000 < max 3000
      expect(admitLab(p, request({ ttlSeconds: 2000 }), state({ usedSeconds: 5000, grantedMinutes: 10 }))).toEqual({ ok: true, value: 1600 });
    });
  });

  it('null limits mean unlimited', () => {
    const p = policy({ allowedTemplates: null, maxConcurrentLabs: null, maxTtlSeconds: null, weeklyMinutesPerStudent: null, labsPerStudent: 1000 });
    const s = state({ courseLive: { count: 100_000, earliestExpiry: SOON }, ownerLive: { count: 999, earliestExpiry: SOON }, usedSeconds: 10_000_000 });
    expect(admitLab(p, request({ template: 'anything', ttlSeconds: 1_000_000 }), s)).toEqual({ ok: true, value: 1_000_000 });
  });
});

describe('extendLab', () => {
  // Started an hour's lab at 09:30; it is 10:00 now, so 30 min are used and 30 min still planned.
  const lab = { createdAt: new Date('2026-03-04T09:30:00Z'), expiresAt: new Date('2026-03-04T10:30:00Z') };
  const plus = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

  it('a manager is held to no limit', () => {
    const p = policy({ maxTtlSeconds: 3600, weeklyMinutesPerStudent: 30 });
    expect(extendLab(p, lab, 7200, state({ usedSeconds: 30 * 60 }), NOW, true)).toEqual({ ok: true, value: plus(lab.expiresAt, 7200) });
  });

  it('moves the end by the seconds asked without limits', () => {
    expect(extendLab(policy(), lab, 900, state({ usedSeconds: 1_000_000 }), NOW, false)).toEqual({ ok: true, value: new Date('2026-03-04T10:45:00Z') });
  });

  describe('maxTtlSeconds', () => {
    const p = policy({ maxTtlSeconds: 5400 });

    it('lets a student extend up to the longest TTL, counted from creation', () => {
      expect(extendLab(p, lab, 1800, state(), NOW, false)).toEqual({ ok: true, value: new Date('2026-03-04T11:00:00Z') });
    });

    it('refuses a second more with 409, saying how much is left', () => {
      expect(refusalOf(extendLab(p, lab, 1801, state(), NOW, false))).toEqual({
        limit: 'maxTtlSeconds',
        status: 409,
        message: 'a lab may live at most 5400 s in this course; it can be extended by 1800 s more',
        limitValue: 5400,
      });
    });

    it('says 0 s are left when the lab already lives as long as allowed', () => {
      const full = { createdAt: lab.createdAt, expiresAt: plus(lab.createdAt, 5400) };
      expect(refusalOf(extendLab(p, full, 60, state(), NOW, false)).message).toBe('a lab may live at most 5400 s in this course; it can be extended by 0 s more');
    });

    it('says 0 s, not a negative number, when the lab already lives longer (limit lowered)', () => {
      expect(refusalOf(extendLab(policy({ maxTtlSeconds: 1800 }), lab, 60, state(), NOW, false)).message).toBe(
        'a lab may live at most 1800 s in this course; it can be extended by 0 s more',
      );
    });
  });

  describe('weeklyMinutesPerStudent', () => {
    // 120 min budget; 30 min used (this lab so far); 30 min more still planned: 60 min can be added.
    const p = policy({ weeklyMinutesPerStudent: 120 });
    const s = state({ usedSeconds: 30 * 60 });

    it('lets a student extend by what the budget has left after the time the lab will still run', () => {
      expect(extendLab(p, lab, 3600, s, NOW, false)).toEqual({ ok: true, value: new Date('2026-03-04T11:30:00Z') });
    });

    it('refuses a second more with 429, retrying at the end of the week', () => {
      expect(refusalOf(extendLab(p, lab, 3601, s, NOW, false))).toEqual({
        limit: 'weeklyMinutesPerStudent',
        status: 429,
        message: "this week's lab time allows extending by 60 min more (3600 s), counting the time the lab is already set to run",
        limitValue: 120,
        current: 30,
        retryAt: WEEK.end,
      });
    });

    it('counts grants', () => {
      const granted = state({ usedSeconds: 30 * 60, grantedMinutes: 10 });
      expect(extendLab(p, lab, 4200, granted, NOW, false)).toEqual({ ok: true, value: plus(lab.expiresAt, 4200) });
      expect(refusalOf(extendLab(p, lab, 4201, granted, NOW, false)).message).toBe("this week's lab time allows extending by 70 min more (4200 s), counting the time the lab is already set to run");
    });

    it('counts no planned time for a lab already past its end', () => {
      const late = new Date('2026-03-04T10:40:00Z');
      const used = state({ usedSeconds: 70 * 60 });
      expect(extendLab(p, lab, 50 * 60, used, late, false).ok).toBe(true);
      expect(extendLab(p, lab, 50 * 60 + 1, used, late, false).ok).toBe(false);
    });

    it('checks the longest TTL before the budget', () => {
      const both = policy({ maxTtlSeconds: 3600, weeklyMinutesPerStudent: 30 });
      expect(refusalOf(extendLab(both, lab, 600, state({ usedSeconds: 30 * 60 }), NOW, false)).limit).toBe('maxTtlSeconds');
    });
  });
});
