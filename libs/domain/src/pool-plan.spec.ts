import { planPool, REFILL_QUIET_SECONDS } from './pool-plan';

describe('planPool', () => {
  it('makes what is missing, counting warming labs as on their way', () => {
    expect(planPool({ minIdle: 5, maxTotal: null }, { idle: 1, warming: 2, total: 10, sinceLastClaimSeconds: null }, 0)).toEqual({ target: 5, create: 2, retire: 0 });
  });

  it('never goes past maxTotal, claimed labs included', () => {
    expect(planPool({ minIdle: 5, maxTotal: 8 }, { idle: 0, warming: 0, total: 6, sinceLastClaimSeconds: null }, 0)).toEqual({ target: 5, create: 2, retire: 0 });
    expect(planPool({ minIdle: 5, maxTotal: 3 }, { idle: 0, warming: 0, total: 0, sinceLastClaimSeconds: null }, 0)).toEqual({ target: 3, create: 3, retire: 0 });
  });

  it('follows the timetable above the minimum, and retires idle labs when the target shrinks', () => {
    expect(planPool({ minIdle: 2, maxTotal: null }, { idle: 2, warming: 0, total: 2, sinceLastClaimSeconds: null }, 30)).toEqual({ target: 30, create: 28, retire: 0 });
    expect(planPool({ minIdle: 2, maxTotal: null }, { idle: 7, warming: 1, total: 20, sinceLastClaimSeconds: null }, 0)).toEqual({ target: 2, create: 0, retire: 5 });
  });

  it('makes nothing while students are taking labs from the pool, and refills once they pause', () => {
    const drained = { idle: 2, warming: 0, total: 30, sinceLastClaimSeconds: 0.3 };
    expect(planPool({ minIdle: 30, maxTotal: null }, drained, 0)).toEqual({ target: 30, create: 0, retire: 0 });
    expect(planPool({ minIdle: 30, maxTotal: null }, { ...drained, sinceLastClaimSeconds: REFILL_QUIET_SECONDS }, 0)).toEqual({ target: 30, create: 28, retire: 0 });
  });
});
