// Jest's own order (failed files first, then the longest first, so two workers do not end on one
// long file started last), with a better guess where Jest has no timing yet. In a fresh clone
// Jest has none and falls back to file size, which starts the short files that run for minutes
// (the chaos run, the mirror warm-up) last. test-seconds.json holds each file's time from a
// full run (`LABFLEET_RECORD_TEST_SECONDS=1 npm test` rewrites it); a file in neither is new and
// runs first, as Jest runs files it has not timed.
const { relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const recorded = require('./test-seconds.json');

class LongestFirstSequencer extends Sequencer {
  time(test) {
    const seconds = recorded[relative(test.context.config.rootDir, test.path)];
    return super.time(test) ?? (seconds === undefined ? undefined : seconds * 1000);
  }
}
module.exports = LongestFirstSequencer;
