/** Where a process's CPU time went, from the `.cpuprofile` that `node --cpu-prof` writes at exit. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
}

export interface TimeShare {
  readonly name: string;
  /** Share of the busy (non-idle) samples, 0..1. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Share of the profile's samples in which the thread was busy. */
  readonly busy: number;
  readonly byPackage: TimeShare[];
  readonly byFunction: TimeShare[];
}

/** The package or part of the program a script belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node (built-in)';
  const lib = /\/libs\/((?:providers\/)?[^/]+)\//.exec(url);
  if (lib) return `@labfleet/${lib[1].replace('providers/', 'provider-')}`;
  const app = /\/apps\/([^/]+)\//.exec(url);
  return app ? `apps/${app[1]}` : url;
}

/** Self time by package and by function (top `top`), as shares of the busy time. */
export function summarizeProfile(path: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  let idle = 0;
  let total = 0;
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, count] of hits) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += count;
    if (functionName === '(idle)') {
      idle += count;
      continue;
    }
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + count);
    const fn = `${functionName || '(anonymous)'} ${pkg}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + count);
  }
  const busy = total - idle;
  const shares = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, share: n / busy }));
  return { busy: total ? busy / total : 0, byPackage: shares(packages), byFunction: shares(functions) };
}
