import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_RUN_DIR_VARIABLE } from '../test-run-dir';

/** The e2e project's global set-up: a directory for what the run's files share (started lazily, by the first file that needs it). */
export default function setup(): void {
  process.env[TEST_RUN_DIR_VARIABLE] = mkdtempSync(join(tmpdir(), 'labfleet-test-run-'));
}
