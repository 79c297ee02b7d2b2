import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';

/** Build output, dependencies and tool state: never documentation nor its sources. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.nx', 'coverage', 'test-artifacts']);
const SOURCE_EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.yml', '.yaml', '.sh', '.md']);
const SOURCE_NAMES = new Set(['Dockerfile', '.env.example', 'run']);

/** Every file below `root` (relative, `/`-separated), skipping build output and dependencies. */
export function repositoryFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      else if (entry.isFile()) files.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
    }
  };
  walk(root);
  return files.sort();
}

/** The anchor GitHub gives a heading: its text lowercased, punctuation dropped, spaces → '-'. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image counts by its text
    .replace(/[`*]|<[^>]+>/g, ''); // code ticks, emphasis and inline HTML are not text
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** Lines outside fenced code blocks, with inline code spans blanked (links there are examples). */
function proseLines(markdown: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence ? undefined : marker;
    } else if (!fence) {
      lines.push({ text: text.replace(/(`+)[^`]*?\1/g, (span) => ' '.repeat(span.length)), line: i + 1 });
    }
  });
  return lines;
}

/** The headings' texts, in order. */
export function markdownHeadings(markdown: string): string[] {
  const headings: string[] = [];
  // Headings keep their code spans (the slug uses their text), so read them before blanking.
  const source = markdown.split('\n');
  for (const { line } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(source[line - 1]);
    if (heading) headings.push(heading[1]);
  }
  return headings;
}

/** The anchors a file offers: heading slugs (repeats get -1, -2 … as on GitHub) and `<a id>`/`<a name>`. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const heading of markdownHeadings(markdown)) {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  return anchors;
}

/** Link and image targets with their line: inline `[text](target)` and definitions `[label]: target`. */
export function markdownLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  for (const { text, line } of proseLines(markdown)) {
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) links.push({ target: match[1], line });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(text);
    if (definition) links.push({ target: definition[1], line });
  }
  return links;
}

/**
 * Relative links and #anchors in `markdownFiles` (paths relative to `root`) that do not resolve:
 * a missing file, a path outside the repository, or an anchor no heading of the target makes.
 * Links with a scheme (https:, mailto:) are not followed.
 */
export function findBrokenLinks(root: string, markdownFiles: readonly string[]): string[] {
  const broken: string[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    if (!anchorsOf.has(file)) anchorsOf.set(file, markdownAnchors(readFileSync(file, 'utf8')));
    return anchorsOf.get(file)!;
  };
  for (const file of markdownFiles) {
    const source = join(root, file);
    for (const { target, line } of markdownLinks(readFileSync(source, 'utf8'))) {
      if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(target)) continue;
      const [path, anchor] = target.split('#', 2).map(decodeURIComponent);
      const resolved = path === '' ? source : path.startsWith('/') ? join(root, path) : resolve(dirname(source), path);
      const where = `${file}:${line}: ${target}`;
      if (relative(root, resolved).startsWith('..')) broken.push(`${where} leaves the repository`);
      else if (!existsSync(resolved)) broken.push(`${where}: no such file`);
      else if (anchor && extname(resolved) === '.md' && statSync(resolved).isFile() && !anchors(resolved).has(anchor)) {
        broken.push(`${where}: no heading makes #${anchor}`);
      }
    }
  }
  return broken;
}

/**
 * References from code and config to a documentation file or section, written `docs/api.md`,
 * `docs/api.md "Labs"` or `README "Run it"` (the same with SECURITY.md), whose file is missing or
 * has no heading starting with the quoted words. Compiled copies (.d.ts, a .js beside its .ts) are
 * skipped.
 */
export function findBrokenDocReferences(root: string, files: readonly string[]): string[] {
  const broken: string[] = [];
  const fileSet = new Set(files);
  const sources = files.filter((file) => {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (!SOURCE_EXTENSIONS.has(extname(name)) && !SOURCE_NAMES.has(name)) return false;
    return !name.endsWith('.d.ts') && !(extname(name) === '.js' && fileSet.has(file.replace(/\.js$/, '.ts')));
  });
  for (const file of sources) {
    readFileSync(join(root, file), 'utf8').split('\n').forEach((text, i) => {
      // Not when the name ends another path: k8s/components/lab-seccomp/README.md is not the README.
      for (const match of text.matchAll(/(?<![\w/.-])(README(?:\.md)?|SECURITY\.md|docs\/[\w-]+\.md)(?: "([^"\n]+)")?/g)) {
        const doc = match[1] === 'README' ? 'README.md' : match[1];
        const where = `${file}:${i + 1}: ${match[0]}`;
        const path = join(root, doc);
        if (!existsSync(path)) {
          broken.push(`${where}: no such file`);
          continue;
        }
        if (match[2] === undefined) continue;
        const wanted = match[2].toLowerCase();
        const headings = markdownHeadings(readFileSync(path, 'utf8')).map((h) => h.replace(/`/g, '').toLowerCase());
        if (!headings.some((heading) => heading.startsWith(wanted))) broken.push(`${where}: no such heading in ${doc}`);
      }
    });
  }
  return broken;
}
