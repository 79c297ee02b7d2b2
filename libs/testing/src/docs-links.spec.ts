import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findBrokenLinks, findBrokenDocReferences, githubSlug, repositoryFiles } from './docs-links';

const ROOT = join(__dirname, '../../..');
// Built from parts so this file is not itself read as a reference to a doc or a section.
const doc = (name: string) => `docs/${name}.md`;
const sectionRef = (file: string, heading: string) => `${file} "${heading}"`;

describe('the documentation links', () => {
  const files = repositoryFiles(ROOT);
  const markdown = files.filter((file) => file.endsWith('.md'));

  it('resolve: every relative link and #anchor in the Markdown files', () => {
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'SECURITY.md', 'docs/api.md', 'docs/operations.md']));
    expect(findBrokenLinks(ROOT, markdown)).toEqual([]);
  });

  it('resolve: every reference to a docs file or section in code and config', () => {
    expect(findBrokenDocReferences(ROOT, files)).toEqual([]);
  });
});

describe('githubSlug', () => {
  it.each([
    ['Deploying Labfleet on Kubernetes (`k8s/`)', 'deploying-labfleet-on-kubernetes-k8s'],
    ['In the browser: terminal, ports, files', 'in-the-browser-terminal-ports-files'],
    ['The profiles (`LAB_SECURITY_PROFILE`)', 'the-profiles-lab_security_profile'],
    ["What's new — 2.0", 'whats-new--20'],
    ['See [the API](api.md) *now*', 'see-the-api-now'],
  ])('%s → #%s', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });
});

describe('the link checker', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'docs-links-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reports missing files, unknown anchors and paths out of the repository, and nothing else', () => {
    write('manual/guide.md', '# Guide\n\n## Set up\n\n## Set up\n\n<a id="legacy"></a>\n');
    write(
      'README.md',
      [
        '# Front',
        '[ok](manual/guide.md) [ok](manual/guide.md#set-up) [ok](manual/guide.md#set-up-1) [ok](manual/guide.md#legacy)',
        "[ok](#front) [ok](manual/) [ok](https://example.com/x.md#nope) ![ok](/manual/guide.md 'title')",
        '[gone](manual/missing.md)',
        '[bad anchor](manual/guide.md#setup)',
        '[bad local](#back)',
        '[outside](../elsewhere.md)',
        '`[in code](nope.md)`',
        '```md',
        '[in a fence](nope.md)',
        '```',
        '[ref]: manual/gone.md',
      ].join('\n'),
    );
    expect(findBrokenLinks(root, ['README.md', 'manual/guide.md'])).toEqual([
      'README.md:4: manual/missing.md: no such file',
      'README.md:5: manual/guide.md#setup: no heading makes #setup',
      'README.md:6: #back: no heading makes #back',
      'README.md:7: ../elsewhere.md leaves the repository',
      'README.md:12: manual/gone.md: no such file',
    ]);
  });

  it('reports references to a missing file or heading, and skips compiled copies', () => {
    write('README.md', '# Labfleet\n\n## Run it\n');
    write(doc('ops'), '# Ops\n\n## Deploying on Kubernetes (`k8s/`)\n');
    write('libs/a/src/a.ts', [
      `// ${sectionRef('README', 'Run it')}, ${sectionRef(doc('ops'), 'Deploying on Kubernetes (k8s/)')}`,
      `// ${sectionRef(doc('ops'), 'Deploying')} ${sectionRef(doc('ops'), 'Backups')}`,
      `// ${sectionRef(doc('gone'), 'Ops')}`,
      `// see ${doc('ops')}, ${doc('missing')}`,
    ].join('\n'));
    write('libs/a/src/a.js', `// ${sectionRef('README', 'Old section')}`);
    write('k8s/config.yaml', `# ${sectionRef('README.md', 'Configuration')} (not ${sectionRef('k8s/README.md', 'Configuration')})`);
    expect(findBrokenDocReferences(root, repositoryFiles(root))).toEqual([
      `k8s/config.yaml:1: ${sectionRef('README.md', 'Configuration')}: no such heading in README.md`,
      `libs/a/src/a.ts:2: ${sectionRef(doc('ops'), 'Backups')}: no such heading in ${doc('ops')}`,
      `libs/a/src/a.ts:3: ${sectionRef(doc('gone'), 'Ops')}: no such file`,
      `libs/a/src/a.ts:4: ${doc('missing')}: no such file`,
    ]);
  });
});
