/**
 * Maps the workspace's `@labfleet/*` aliases (tsconfig.base.json) onto the compiled tree, so a
 * bench script runs as plain `node dist/tools/bench/<script>.js` (what `npm run bench:ready` does),
 * with no `-r tsconfig-paths/register`. Import it FIRST: later imports resolve through it.
 * Running with `-r tsconfig-paths/register` and TS_NODE_BASEURL=dist as well is harmless.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { register } from 'tsconfig-paths';

/** The repository root: the nearest directory above this file holding tsconfig.base.json. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'tsconfig.base.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no tsconfig.base.json above ${from}`);
    dir = up;
  }
  return dir;
}

const root = repoRoot();
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
// This file is dist/tools/bench/register-paths.js when compiled: aliases point into dist/.
const compiled = __dirname.startsWith(join(root, 'dist'));
register({ baseUrl: compiled ? join(root, 'dist') : root, paths: compilerOptions.paths, addMatchAll: false });
