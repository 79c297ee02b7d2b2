import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { LabStatus } from '@labfleet/contracts';
import { Caller, ConflictError, ForbiddenError, InvalidInputError, LAB_PROVIDER, LabProvider, NotFoundError, ProviderError, tarArchive } from '@labfleet/domain';
import { LabEntity } from '@labfleet/persistence';
import { firstTarEntry } from './first-tar-entry';
import { LabActivityService } from './lab-activity.service';
import { LabsService } from './labs.service';

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

const isTar = (b: Buffer) => b.length > 262 && b.toString('latin1', 257, 262) === 'ustar';
const isZip = (b: Buffer) => b.length > 4 && b.readUInt32LE(0) === 0x04034b50;

/** What a download hands out: a file's bytes (`bytes` of them), or a directory's tar archive. */
export interface Download {
  readonly name: string;
  readonly archive: boolean;
  /** The file's size, known before its bytes are read; absent for an archive. */
  readonly bytes?: number;
  readonly stream: Readable;
}

/** Files into and out of a lab: a Dockerfile, an app folder as a tar or zip, a result to hand in. */
@Injectable()
export class LabFilesService {
  constructor(
    private readonly labs: LabsService,
    private readonly activity: LabActivityService,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /**
   * Writes `body` to `path`; with `extract`, unpacks a tar or zip archive into the directory `path`.
   * Returns where it went.
   */
  async upload(caller: Caller, labId: string, request: { node?: string; path: string; extract: boolean }, body: Buffer): Promise<{ node: string; path: string; bytes: number }> {
    const { lab, node } = await this.writable(caller, labId, request.node);
    const path = absolute(request.path);
    const copyIn = this.copyIn(lab.id, node);
    if (!request.extract) {
      if (path.endsWith('/')) throw new InvalidInputError('path must name the file to write, e.g. /root/Dockerfile');
      await copyIn(posix.dirname(path), await tarArchive({ [posix.basename(path)]: body }));
    } else if (isTar(body)) {
      await copyIn(path, body);
    } else if (isZip(body)) {
      const zip = `/tmp/labfleet-upload-${randomBytes(6).toString('hex')}.zip`;
      await copyIn('/tmp', await tarArchive({ [posix.basename(zip)]: body }));
      const result = await this.provider.exec(lab.id, { node, command: ['sh', '-c', 'mkdir -p "$2" && unzip -oq "$1" -d "$2"; code=$?; rm -f "$1"; exit $code', 'unzip', zip, path], timeoutMs: 60_000 });
      if (result.exitCode !== 0) throw new InvalidInputError(`the zip could not be unpacked: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    } else {
      throw new InvalidInputError('extract=1 takes a tar or zip archive; this body is neither');
    }
    return { node, path, bytes: body.length };
  }

  /**
   * The file at `path` as its bytes (streamed, with their count), or a directory as a tar archive.
   * Destroying the stream stops the copy in the lab.
   */
  async download(caller: Caller, labId: string, request: { node?: string; path: string }): Promise<Download> {
    const { lab, node } = await this.writable(caller, labId, request.node);
    const path = absolute(request.path);
    // Every backend's archive is a Node stream (StreamedArchive's), used as such: destroying it
    // stops the command in the lab at once, where a wrapper would wait for the next chunk.
    const copyOut = () =>
      this.provider.copyOut(lab.id, { node, path }).then(
        (tar) => tar as Readable,
        (e: unknown) => {
          throw /404|no such file|not found/i.test(String((e as Error)?.message)) ? new NotFoundError('file in the lab', path) : e;
        },
      );
    const first = await firstTarEntry(await copyOut());
    if (!first) throw new NotFoundError('file in the lab', path);
    if (first.body) return { name: posix.basename(path), archive: false, bytes: first.header.size, stream: first.body };
    // A directory (or anything but a regular file): its first member has been read already, so
    // the whole archive comes again.
    return { name: `${posix.basename(path) || 'root'}.tar`, archive: true, stream: await copyOut() };
  }

  /**
   * tar in the lab refusing the write (a read-only or special path such as /proc, a full disk) is
   * the lab's answer to this request, a 409 with tar's words, not a failed backend (a 502).
   */
  private copyIn(labId: string, node: string): (dir: string, tar: Buffer) => Promise<void> {
    return (dir, tar) =>
      this.provider.copyIn(labId, { node, path: dir }, tar).catch((e: unknown) => {
        throw e instanceof ProviderError && e.message.startsWith('cannot copy into ') ? new ConflictError(e.message) : e;
      });
  }

  /** The lab's owner and its course's teachers move files; admins see labs but do not write in them. */
  private async writable(caller: Caller, labId: string, requested?: string): Promise<{ lab: LabEntity; node: string }> {
    const lab = await this.labs.get(caller, labId);
    const owner = caller.principal.userId !== null && lab.ownerId === caller.principal.userId;
    const teacher = lab.courseId !== null && caller.principal.teaching.includes(lab.courseId);
    if (!owner && !teacher) throw new ForbiddenError("only the lab's owner and its course's teachers move files in and out");
    if (lab.status !== LabStatus.Ready) throw new ConflictError(`lab ${labId} is ${lab.status}; files move only in a ready lab`);
    const node = requested ?? lab.nodes?.[0]?.name ?? 'node1';
    if (!lab.nodes?.some((n) => n.name === node)) throw new InvalidInputError(`node '${node}' is not a node of this lab`);
    this.activity.touch(lab.id);
    return { lab, node };
  }
}

function absolute(path: string): string {
  if (!path.startsWith('/') || path.includes('\0')) throw new InvalidInputError('path must be absolute, e.g. /root/app');
  const normal = posix.normalize(path);
  return path.endsWith('/') && normal !== '/' ? `${normal.replace(/\/$/, '')}/` : normal;
}
