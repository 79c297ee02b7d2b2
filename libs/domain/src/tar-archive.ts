import { pack } from 'tar-stream';

/**
 * A tar archive of `entries` (name → content; `null` makes a directory), files 0644 and
 * directories 0755: how files travel into a lab (`copyInCommand`).
 */
export async function tarArchive(entries: Record<string, string | Buffer | null>): Promise<Buffer> {
  const archive = pack();
  for (const [name, content] of Object.entries(entries)) {
    if (content === null) archive.entry({ name, type: 'directory', mode: 0o755 });
    else archive.entry({ name, mode: 0o644 }, content);
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
