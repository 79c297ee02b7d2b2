/** Set by the e2e project's global set-up: the directory of what one Jest run shares between its test files. */
export const TEST_RUN_DIR_VARIABLE = 'LABFLEET_TEST_RUN_DIR';

export function testRunDir(): string {
  const dir = process.env[TEST_RUN_DIR_VARIABLE];
  if (!dir) throw new Error(`${TEST_RUN_DIR_VARIABLE} is not set: run the test through Jest with the e2e project's globalSetup (jest.config.js)`);
  return dir;
}
