/**
 * `node --require` this to profile a stretch of a process's life (`--cpu-prof` is not allowed in
 * NODE_OPTIONS and covers the whole life): the first SIGWINCH (ignored by default; Nest's shutdown
 * hooks take SIGUSR2) starts V8's CPU profiler, the second
 * writes the profile to `$BENCH_CPU_PROFILE` (renamed into place once whole). `$BENCH_CPU_SAMPLE_US`
 * sets V8's sampling interval (1000 µs by default; 100 resolves a 30-request rush).
 */
import { writeFileSync, renameSync } from 'node:fs';
import { Session } from 'node:inspector';

const target = process.env.BENCH_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGWINCH', () => {
    if (!profiling) {
      profiling = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_SAMPLE_US || 1000) }, () => session.post('Profiler.start')));
      return;
    }
    profiling = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) return console.error(JSON.stringify({ level: 'error', context: 'CpuProfile', message: error.message }));
      writeFileSync(`${target}.part`, JSON.stringify(result.profile));
      renameSync(`${target}.part`, target);
    });
  });
}
