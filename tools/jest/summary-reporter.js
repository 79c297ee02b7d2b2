// Prints one plain closing line, "N passed, N failed", that any CI can read, the time each tier
// (Jest project) took (the files' run times summed: wall time under --runInBand, more than wall
// time when files run in parallel) and the slowest files, which is where CI time goes.
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
  }
}
module.exports = SummaryReporter;
