import { finished, Readable } from 'node:stream';
import { extract, Header } from 'tar-stream';

/** The first member of a tar archive, read as the archive streams in. */
export interface FirstTarEntry {
  readonly header: Header;
  /**
   * A regular file's bytes. It reads the archive only as fast as it is read itself, so a large file
   * is never held in memory. It fails when the archive fails or stops before its end, and
   * destroying it destroys the archive. Null for any other kind of member: the archive is then
   * destroyed at once.
   */
  readonly body: Readable | null;
}

/**
 * Reads `archive` up to its first member; null for an archive without members. Anything after a
 * file is read and dropped, so the command writing the archive reaches its end and its exit code.
 *
 * The entry stream must be read before tar-stream is told to go on (`next`) and must outlive
 * the extractor's async iterator: leaving a `for await` over the extractor destroys the
 * extractor, and the entry with it, before a file of more than a few KiB has come through.
 */
export function firstTarEntry(archive: Readable): Promise<FirstTarEntry | null> {
  const unpack = extract();
  // The archive failing or closing early fails the extractor, which fails the entry it is
  // reading. Once the extractor is gone (a body destroyed, a bad archive, the end), the archive
  // is destroyed too, and the provider stops the command.
  finished(archive, (error) => error && unpack.destroy(error));
  unpack.on('close', () => archive.destroy());
  archive.pipe(unpack);
  return new Promise((resolve, reject) => {
    unpack.on('error', reject);
    unpack.on('finish', () => resolve(null));
    let first = true;
    unpack.on('entry', (header, entry, next) => {
      entry.on('end', () => next());
      if (!first) return entry.resume();
      first = false;
      if (header.type === 'file') return resolve({ header, body: Readable.from(entry) });
      resolve({ header, body: null });
      unpack.destroy();
    });
  });
}
