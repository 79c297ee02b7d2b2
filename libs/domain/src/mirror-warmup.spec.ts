import { warmupOrder, warmupProgress } from './mirror-warmup';

describe('warmupOrder', () => {
  const templates = [
    { name: 'zeta', images: ['postgres:16', 'debian:bookworm-slim'] },
    { name: 'docker', images: ['debian:bookworm-slim', 'nginx:latest'] },
    { name: 'alpha', images: ['redis:7'] },
    { name: 'pooled', images: ['node:20'] },
  ];

  it('puts the first templates\' images first, in the order given, then the rest by template name, each once', () => {
    expect(warmupOrder(templates, ['pooled', 'docker'])).toEqual(['node:20', 'debian:bookworm-slim', 'nginx:latest', 'redis:7', 'postgres:16']);
  });

  it('ignores names in first that are not templates, and orders by name without any', () => {
    expect(warmupOrder(templates, ['gone'])).toEqual(['redis:7', 'debian:bookworm-slim', 'nginx:latest', 'node:20', 'postgres:16']);
    expect(warmupOrder([], ['docker'])).toEqual([]);
  });
});

describe('warmupProgress', () => {
  const start = new Date('2026-11-29T10:00:00Z');
  const now = new Date('2026-11-29T10:00:20Z');
  const order = ['a', 'b', 'c'];

  it('is warming while an image is neither pushed nor failed, with the pending ones in order', () => {
    expect(warmupProgress(order, new Map([['b', null]]), start, now)).toEqual({
      warming: true,
      images: { done: 1, total: 3 },
      pending: ['a', 'c'],
      failed: [],
      startedAt: start.toISOString(),
      finishedAt: null,
    });
  });

  it('is done when every image finished; a failed one is listed with its reason, not counted as done', () => {
    const finished = new Map([['a', null], ['b', 'b: not on the host engine'], ['c', null]]);
    expect(warmupProgress(order, finished, start, now)).toEqual({
      warming: false,
      images: { done: 2, total: 3 },
      pending: [],
      failed: [{ image: 'b', problem: 'b: not on the host engine' }],
      startedAt: start.toISOString(),
      finishedAt: now.toISOString(),
    });
  });

  it('is done at once with nothing to push', () => {
    expect(warmupProgress([], new Map(), start, now)).toMatchObject({ warming: false, images: { done: 0, total: 0 }, finishedAt: now.toISOString() });
  });
});
