import { decideIdle, IdleLab, idleStopAt, idleWarningLead, lastActivity } from './idle-cull';

const t0 = new Date('2026-03-02T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
// A 30-minute limit, warned 5 minutes before the stop.
const WARNING = 300;
const lab = (over: Partial<IdleLab> = {}): IdleLab => ({ limitSeconds: 1800, since: t0, lastActivityAt: null, warnedAt: null, ...over });

describe('idle culling', () => {
  it('leaves a lab alone until the warning time of its idle stretch', () => {
    expect(decideIdle(lab(), at(1499), WARNING)).toEqual({ kind: 'nothing' });
    expect(decideIdle(lab({ lastActivityAt: at(1000) }), at(2000), WARNING)).toEqual({ kind: 'nothing' });
  });

  it('warns at limit minus the lead, saying when the stop comes', () => {
    expect(decideIdle(lab(), at(1500), WARNING)).toEqual({ kind: 'warn', idleSeconds: 1500, stopAt: at(1800) });
  });

  it('counts idleness from the last activity of any source, never from before the student had the lab', () => {
    expect(lastActivity(lab({ lastActivityAt: at(-600) }))).toEqual(t0);
    expect(lastActivity(lab({ lastActivityAt: at(600) }))).toEqual(at(600));
    expect(decideIdle(lab({ lastActivityAt: at(600) }), at(2099), WARNING).kind).toBe('nothing');
    expect(decideIdle(lab({ lastActivityAt: at(600) }), at(2100), WARNING).kind).toBe('warn');
  });

  it('stops a warned lab at the limit, with what the event records', () => {
    const warned = lab({ warnedAt: at(1500) });
    expect(decideIdle(warned, at(1799), WARNING)).toEqual({ kind: 'nothing' });
    expect(decideIdle(warned, at(1800), WARNING)).toEqual({ kind: 'stop', idleSeconds: 1800, lastActivityAt: t0, warnedAt: at(1500) });
  });

  it('never stops a lab that was not warned first, even long past its limit', () => {
    const decision = decideIdle(lab(), at(5000), WARNING);
    expect(decision).toEqual({ kind: 'warn', idleSeconds: 5000, stopAt: at(5300) });
  });

  it('gives a late warning its full lead before stopping', () => {
    const late = lab({ warnedAt: at(5000) });
    expect(idleStopAt(late, WARNING)).toEqual(at(5300));
    expect(decideIdle(late, at(5299), WARNING).kind).toBe('nothing');
    expect(decideIdle(late, at(5300), WARNING).kind).toBe('stop');
  });

  it('forgets the warning once the lab is used again, and warns again before a later stop', () => {
    const usedAfterWarning = lab({ warnedAt: at(1500), lastActivityAt: at(1600) });
    expect(idleStopAt(usedAfterWarning, WARNING)).toBeNull();
    expect(decideIdle(usedAfterWarning, at(1800), WARNING)).toEqual({ kind: 'nothing' });
    expect(decideIdle(usedAfterWarning, at(3100), WARNING)).toEqual({ kind: 'warn', idleSeconds: 1500, stopAt: at(3400) });
  });

  it('warns at half of a limit shorter than twice the warning time', () => {
    expect(idleWarningLead(20, WARNING)).toBe(10);
    expect(decideIdle(lab({ limitSeconds: 20 }), at(9), WARNING).kind).toBe('nothing');
    expect(decideIdle(lab({ limitSeconds: 20 }), at(10), WARNING)).toEqual({ kind: 'warn', idleSeconds: 10, stopAt: at(20) });
  });
});
