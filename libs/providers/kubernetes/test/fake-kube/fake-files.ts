import { posix } from 'node:path';
import { extract, pack } from 'tar-stream';
import { FakeProcess, headOfStdin } from './fake-exec';
import { KubeObject } from './fake-kube-store';

type Entry = { readonly type: 'dir'; readonly mode: number } | { readonly type: 'file'; readonly mode: number; readonly content: Buffer };

/** One lab pod's files, as a map of absolute paths. Starts with the directories every image has. */
export class FakeFilesystem {
  private readonly entries = new Map<string, Entry>(['/', '/root', '/tmp', '/etc'].map((p) => [p, { type: 'dir', mode: 0o755 }]));

  constructor(hostname: string) {
    this.entries.set('/etc/hostname', { type: 'file', mode: 0o644, content: Buffer.from(`${hostname}\n`) });
  }

  stat(path: string): Entry | undefined {
    return this.entries.get(posix.resolve('/', path));
  }

  /** `mkdir -p`: the error `mkdir` would print, or undefined. */
  mkdirs(path: string): string | undefined {
    let current = '/';
    for (const part of posix.resolve('/', path).split('/').filter(Boolean)) {
      current = posix.join(current, part);
      const found = this.entries.get(current);
      if (found?.type === 'file') return `mkdir: cannot create directory '${path}': ${current === posix.resolve('/', path) ? 'File exists' : 'Not a directory'}`;
      if (!found) this.entries.set(current, { type: 'dir', mode: 0o755 });
    }
    return undefined;
  }

  writeFile(path: string, content: Buffer, mode = 0o644): string | undefined {
    const full = posix.resolve('/', path);
    if (this.stat(full)?.type === 'dir') return `tar: ${path}: Cannot open: Is a directory`;
    const problem = this.mkdirs(posix.dirname(full));
    if (problem) return problem;
    this.entries.set(full, { type: 'file', mode, content });
    return undefined;
  }

  /** Paths under `dir` (not itself), parents before children. */
  below(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...this.entries.keys()].filter((p) => p !== dir && p.startsWith(prefix)).sort();
  }
}

/** Every pod's files, by pod uid: a pod that replaced another starts afresh. */
export class FakePodFiles {
  private readonly pods = new Map<string, FakeFilesystem>();

  of(pod: KubeObject): FakeFilesystem {
    const uid = pod.metadata.uid!;
    let fs = this.pods.get(uid);
    if (!fs) this.pods.set(uid, (fs = new FakeFilesystem(pod.spec?.hostname ?? pod.metadata.name)));
    return fs;
  }
}

/**
 * `sh -c 'mkdir -p -- "$1" && head -c "$2" | tar -xf - -C "$1"' labfleet-copy-in <dir> <bytes>`:
 * makes the directory, reads exactly `bytes` of stdin (less if stdin ends first), and unpacks them
 * as tar does (members under the directory, missing parents made, `..` refused).
 */
export function fakeCopyIn(fs: FakeFilesystem, dir: string, bytes: number): FakeProcess {
  return (io) => {
    const problem = fs.mkdirs(dir);
    if (problem) {
      io.stderr(`${problem}\n`);
      return io.exit(1);
    }
    headOfStdin(io, bytes, (tar) =>
      void unpack(fs, dir, tar).then(([code, stderr]) => {
        if (stderr) io.stderr(stderr);
        io.exit(code);
      }),
    );
  };
}

async function unpack(fs: FakeFilesystem, dir: string, tar: Buffer): Promise<[number, string]> {
  const errors: string[] = [];
  const reader = extract();
  reader.end(tar);
  try {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const name = entry.header.name;
      if (name.split('/').includes('..')) {
        errors.push(`tar: ${name}: Member name contains '..'`);
        continue;
      }
      const target = posix.join(dir, name);
      const problem = entry.header.type === 'directory' ? fs.mkdirs(target) : entry.header.type === 'file' ? fs.writeFile(target, Buffer.concat(chunks), entry.header.mode) : undefined;
      if (problem) errors.push(problem);
    }
  } catch {
    return [2, 'tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n'];
  }
  return errors.length ? [2, `${errors.join('\n')}\ntar: Exiting with failure status due to previous errors\n`] : [0, ''];
}

/**
 * The copy-out script (`$0` labfleet-copy-out, `$1` path, `$2` its parent, `$3` its name): a
 * missing path fails before any output, as the script's test does; otherwise `tar -cf - -C
 * <parent> <name>` with members named from `<name>`, directories first and with a trailing `/`.
 */
export function fakeCopyOut(fs: FakeFilesystem, path: string, parent: string, name: string): FakeProcess {
  return (io) => {
    if (!fs.stat(path)) {
      io.stderr(`${path}: No such file or directory\n`);
      return io.exit(2);
    }
    const root = posix.resolve(parent, name);
    // Members are named as given (`dir/...`, `./-dash`, `./...` for `.`), as tar does.
    const member = (p: string) => (p === root ? name : `${name.replace(/\/$/, '')}/${posix.relative(root, p)}`);
    const archive = pack();
    for (const p of [root, ...(fs.stat(root)!.type === 'dir' ? fs.below(root) : [])]) {
      const entry = fs.stat(p)!;
      if (entry.type === 'dir') archive.entry({ name: `${member(p)}/`, type: 'directory', mode: entry.mode });
      else archive.entry({ name: member(p), mode: entry.mode }, entry.content);
    }
    archive.finalize();
    archive.on('data', (chunk) => io.stdout(chunk as Buffer));
    archive.on('end', () => io.exit(0));
  };
}
