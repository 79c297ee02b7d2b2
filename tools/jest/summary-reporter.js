// Prints one plain closing line, "N passed, N failed", that any CI can read, and the time each
// tier (Jest project) took: the files' run times summed, which is wall time under --runInBand.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const tiers = new Map();
    for (const file of results.testResults) {
      const tier = file.displayName?.name ?? 'tests';
      const seconds = (file.perfStats.end - file.perfStats.start) / 1000;
      tiers.set(tier, (tiers.get(tier) ?? 0) + (Number.isFinite(seconds) ? seconds : 0));
    }
    const byTier = [...tiers].map(([tier, seconds]) => `${tier} ${seconds.toFixed(1)} s`).join(', ');
    console.log(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (byTier) console.log(`time by tier: ${byTier}`);
  }
}
module.exports = SummaryReporter;
