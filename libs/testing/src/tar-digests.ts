import { createHash } from 'node:crypto';
import { extract } from 'tar-stream';

/** A file's size and sha256, as `<bytes> <hex>`: what tests compare instead of megabytes of content. */
export const digestOf = (data: Buffer): string => `${data.length} ${createHash('sha256').update(data).digest('hex')}`;

/** The regular files of a tar archive as it streams in, by member name, each as `digestOf` its bytes. */
export async function tarFileDigests(archive: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const unpack = extract();
  archive.pipe(unpack);
  const files: Record<string, string> = {};
  for await (const entry of unpack) {
    const hash = createHash('sha256');
    let bytes = 0;
    // Read each member whole inside the loop: the next turn of the loop moves past it.
    for await (const chunk of entry) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    if (entry.header.type === 'file') files[entry.header.name] = `${bytes} ${hash.digest('hex')}`;
  }
  return files;
}
