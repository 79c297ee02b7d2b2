/**
 * Preloaded into a stack's processes by bench:under-load (`NODE_OPTIONS=--require <this file>`):
 * every 100 ms, appends `<Date.now()> <max event-loop delay in the window, ms>` to
 * `$BENCH_LOOP_DELAY_FILE.<pid>`, so the bench can tell a busy JavaScript thread from a busy host.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  setInterval(() => {
    appendFileSync(`${file}.${process.pid}`, `${Date.now()} ${(histogram.max / 1e6).toFixed(2)}\n`);
    histogram.reset();
  }, 100).unref();
}
