import { fits, free, plus } from './capacity';

describe('capacity', () => {
  it('admits what fits in both CPU and memory, exactly up to the edge', () => {
    const host = { cpus: 2, memoryMb: 1024 };
    expect(fits(host, { cpus: 1.5, memoryMb: 512 }, { cpus: 0.5, memoryMb: 512 })).toBe(true);
    expect(fits(host, { cpus: 1.55, memoryMb: 0 }, { cpus: 0.5, memoryMb: 1 })).toBe(false);
    expect(fits(host, { cpus: 0, memoryMb: 1000 }, { cpus: 0.1, memoryMb: 25 })).toBe(false);
    // 40 reservations of 0.05 CPU add up to 2 despite floating point.
    expect(fits(host, { cpus: Array(39).fill(0.05).reduce((a, b) => a + b, 0), memoryMb: 0 }, { cpus: 0.05, memoryMb: 0 })).toBe(true);
  });

  it('adds a lab to what is reserved', () => {
    expect(plus({ cpus: 1.5, memoryMb: 512 }, { cpus: 0.25, memoryMb: 128 })).toEqual({ cpus: 1.75, memoryMb: 640 });
  });

  it('reports what is left, never below zero', () => {
    expect(free({ cpus: 2, memoryMb: 1024 }, { cpus: 0.75, memoryMb: 2000 })).toEqual({ cpus: 1.25, memoryMb: 0 });
  });
});
