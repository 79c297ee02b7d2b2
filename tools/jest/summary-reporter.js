// Prints one plain closing line, "N passed, N failed", that any CI can read, the time each tier
// (Jest project) took (the files' run times summed: wall time under --runInBand, more than wall
// time when files run in parallel) and the slowest files, which is where CI time goes. With
// LABFLEET_RECORD_TEST_SECONDS=1 it also writes each file's time to test-seconds.json, the
// order longest-first-sequencer.js starts files in.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const SLOWEST = 8;
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const tiers = new Map();
    const files = [];
    for (const file of results.testResults) {
      const tier = file.displayName?.name ?? 'tests';
      const seconds = (file.perfStats.end - file.perfStats.start) / 1000;
      const known = Number.isFinite(seconds) ? seconds : 0;
      tiers.set(tier, (tiers.get(tier) ?? 0) + known);
      files.push({ path: file.testFilePath.replace(`${process.cwd()}/`, ''), seconds: known });
    }
    const byTier = [...tiers].map(([tier, seconds]) => `${tier} ${seconds.toFixed(1)} s`).join(', ');
    console.log(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (byTier) console.log(`time by tier: ${byTier}`);
    const slowest = files.sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST).filter((f) => f.seconds > 0);
    if (slowest.length) console.log(`slowest files: ${slowest.map((f) => `${f.path} ${f.seconds.toFixed(1)} s`).join(', ')}`);
    if (process.env.LABFLEET_RECORD_TEST_SECONDS === '1') record(files);
  }
}
/** Over the files' earlier times (a run of some files keeps the others'), those gone dropped; sorted by path. */
function record(files) {
  const path = join(__dirname, 'test-seconds.json');
  const seconds = { ...JSON.parse(readFileSync(path, 'utf8')) };
  for (const f of files) if (f.seconds > 0) seconds[f.path] = Math.round(f.seconds * 10) / 10;
  const kept = Object.keys(seconds).filter((file) => existsSync(join(process.cwd(), file))).sort();
  writeFileSync(path, `${JSON.stringify(Object.fromEntries(kept.map((file) => [file, seconds[file]])), null, 2)}\n`);
}
module.exports = SummaryReporter;
