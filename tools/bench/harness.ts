/**
 * Loads the test harness (libs/testing) for a bench script the way Jest loads it: from its
 * TypeScript source, compiled in memory by SWC. The compiled copy in dist/ cannot be used as it
 * is: labfleet-process.ts takes the repository root to be `join(__dirname, '../../..')`, which is
 * `dist/` for dist/libs/testing/src/labfleet-process.js, so it would spawn
 * dist/dist/apps/api/src/main.js with cwd dist/ (and read dist/deploy/templates.json).
 * Everything the harness imports through `@labfleet/*` still comes from dist/ (register-paths).
 */
import { transformSync } from '@swc/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Testing from '@labfleet/testing';
import { repoRoot } from './register-paths';

type Extensions = Record<string, (module: { _compile(code: string, filename: string): void }, filename: string) => void>;

let loaded: typeof Testing | undefined;

export function loadTestingHarness(): typeof Testing {
  if (loaded) return loaded;
  const source = join(repoRoot(), 'libs', 'testing', 'src');
  const extensions = require.extensions as unknown as Extensions;
  // `.ts` is only ever reached for files with no compiled `.js` beside them: the harness sources.
  extensions['.ts'] ??= (module, filename) => {
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      sourceMaps: 'inline',
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
    });
    module._compile(code, filename);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(join(source, 'index.ts')) as typeof Testing;
  return loaded;
}
