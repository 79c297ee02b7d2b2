import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { checkCommand, copyInCommand, copyOutCommand } from './lab-commands';
import { tarArchive } from './tar-archive';

/**
 * The copy and check scripts run here by this machine's own `sh`, `bash` and GNU tar (no lab, no
 * network): what the Kubernetes fake API server can only pretend to do.
 */
function run(argv: string[], stdin?: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    // Stdin stays open, as on an exec without the v5 protocol's half-close. A script that fails
    // before reading it closes the pipe: EPIPE then is the script's exit, not the test's error.
    child.stdin.on('error', () => undefined);
    if (stdin) child.stdin.write(stdin);
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('close', () => clearTimeout(kill));
  });
}

async function entriesOf(tar: Buffer): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const unpack = extract();
  unpack.end(tar);
  for await (const entry of unpack) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    found[entry.header.name] = entry.header.type === 'directory' ? '<dir>' : Buffer.concat(chunks).toString('utf8');
  }
  return found;
}

describe('the copy-in and copy-out scripts, run by a local sh and tar', () => {
  const root = mkdtempSync(join(tmpdir(), 'labfleet-copy-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('copy-in unpacks into a new directory although stdin never ends', async () => {
    const tar = await tarArchive({ Dockerfile: 'FROM alpine\n', 'app/': null, 'app/main.sh': 'echo hi\n' });
    const dir = join(root, 'in', 'deep');
    const result = await run(copyInCommand(dir, tar.length), tar);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM alpine\n');
    expect(readFileSync(join(dir, 'app/main.sh'), 'utf8')).toBe('echo hi\n');
  });

  it('copy-in fails with the words of mkdir under a file', async () => {
    writeFileSync(join(root, 'plain'), 'x');
    const tar = await tarArchive({ a: 'a' });
    const result = await run(copyInCommand(join(root, 'plain', 'sub'), tar.length), tar);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Not a directory/);
  });

  it('copy-out archives a file or a directory under its own name', async () => {
    mkdirSync(join(root, 'out', 'dir', 'sub'), { recursive: true });
    writeFileSync(join(root, 'out', 'dir', 'sub', 'f.txt'), 'content');
    writeFileSync(join(root, 'out', '-dash'), 'dash');
    const file = await run(copyOutCommand(join(root, 'out', 'dir', 'sub', 'f.txt')));
    expect(file.code).toBe(0);
    expect(await entriesOf(file.stdout)).toEqual({ 'f.txt': 'content' });
    const dir = await run(copyOutCommand(join(root, 'out', 'dir/')));
    expect(await entriesOf(dir.stdout)).toEqual({ 'dir/': '<dir>', 'dir/sub/': '<dir>', 'dir/sub/f.txt': 'content' });
    const dash = await run(copyOutCommand(join(root, 'out', '-dash')));
    expect(await entriesOf(dash.stdout)).toEqual({ './-dash': 'dash' });
  });

  it('copy-out of a missing path writes nothing and says "No such file"', async () => {
    const result = await run(copyOutCommand(join(root, 'missing')));
    expect(result.code).toBe(2);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toMatch(/No such file or directory/);
  });
});

describe('the check command, run by a local bash with the check on a stdin that never ends', () => {
  const check = (script: string) => run(checkCommand(script), Buffer.from(script));

  it('runs the script: its output and exit code, bytes counted as bytes', async () => {
    const passing = await check('echo "nginx answers ✓"\n');
    expect(passing).toMatchObject({ code: 0, stderr: '' });
    expect(passing.stdout.toString('utf8')).toBe('nginx answers ✓\n');
    const failing = await check('echo "no container named web" >&2\nexit 1\n');
    expect(failing).toMatchObject({ code: 1, stderr: 'no container named web\n' });
  });

  it('runs a script of 100 kB whole', async () => {
    const lines = Array.from({ length: 8000 }, (_, i) => `echo line-${i}`);
    const result = await check(`${lines.join('\n')}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout.toString('utf8')).toBe(lines.map((l) => `${l.slice(5)}\n`).join(''));
  });

  it('gives a command of the check that reads stdin end-of-file at once', async () => {
    const result = await check('cat\necho "read nothing"\n');
    expect(result).toMatchObject({ code: 0, stdout: Buffer.from('read nothing\n') });
  });
});
