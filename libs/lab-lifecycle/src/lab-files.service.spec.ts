import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { LabStatus, Role } from '@labfleet/contracts';
import { Caller, endsWithin, LabProvider, tarArchive } from '@labfleet/domain';
import type { LabActivityService } from './lab-activity.service';
import { LabFilesService } from './lab-files.service';
import type { LabsService } from './labs.service';

/**
 * What a backend's copy out hands over: a tar archive in small chunks, each only when the reader
 * asks for it (as the exec's stream, paused while the reader is behind), or a failure partway.
 * Emits `full` when its buffer fills up: its reader has stopped asking, for now.
 */
class FakeArchive extends Readable {
  served = 0;

  constructor(
    private readonly tar: Buffer,
    private readonly failAt = Infinity,
  ) {
    super();
  }

  override _read(): void {
    if (this.served >= this.failAt) return void this.destroy(new Error('the exec broke'));
    if (this.served >= this.tar.length) return void this.push(null);
    // 1000 bytes: chunks that end in the middle of tar's 512-byte blocks.
    const chunk = this.tar.subarray(this.served, this.served + 1000);
    this.served += chunk.length;
    if (!this.push(chunk)) this.emit('full');
  }

  /** Resolves once the buffer is full (its reader has stopped asking) or the archive has ended. */
  async filled(): Promise<void> {
    if (this.readableLength < this.readableHighWaterMark && !this.readableEnded) await Promise.race([once(this, 'full'), once(this, 'end')]);
  }
}

const sha256 = async (stream: AsyncIterable<Buffer>) => {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
};

const owner: Caller = { principal: { userId: 'u1', role: Role.Student, schoolId: 's1', label: 'owner@example.test', teaching: [], enrolled: [] }, ip: null };
const lab = { id: 'lab-1', ownerId: 'u1', courseId: null, status: LabStatus.Ready, nodes: [{ name: 'node1' }] };

/** The service with a fake backend (no lab runs here) whose copies out are `archives`, in order. */
function filesOver(...archives: FakeArchive[]): { files: LabFilesService; copyOut: jest.Mock } {
  const copyOut = jest.fn(async () => archives.shift()!);
  const labs = { get: async () => lab } as unknown as LabsService;
  return { files: new LabFilesService(labs, { touch: () => undefined } as unknown as LabActivityService, { copyOut } as unknown as LabProvider), copyOut };
}

describe('LabFilesService.download with a fake backend', () => {
  // The old download hung on anything over a few KiB: a timeout turns a hang into a failure.
  jest.setTimeout(20_000);

  it.each([
    ['0 B', 0],
    ['1 KiB', 1024],
    ['100 KiB', 100 * 1024],
    ['20 MB', 20_000_000],
  ])('hands out a file of %s whole, byte for byte, with its size', async (_name, size) => {
    const content = randomBytes(size);
    const { files } = filesOver(new FakeArchive(await tarArchive({ 'data.bin': content })));
    const file = await files.download(owner, lab.id, { path: '/root/data.bin' });
    expect(await sha256(file.stream)).toBe(createHash('sha256').update(content).digest('hex'));
    expect(file).toMatchObject({ name: 'data.bin', archive: false, bytes: size });
  });

  it('reads the archive only as fast as the file is read, and reads it to its end', async () => {
    const content = randomBytes(5_000_000);
    const archive = new FakeArchive(await tarArchive({ 'data.bin': content }));
    const { files } = filesOver(archive);
    const file = await files.download(owner, lab.id, { path: '/root/data.bin' });
    // Nothing reads the file yet: the archive fills its buffer, and one more turn of the event loop
    // (where a reader that buffers everything would take more) leaves it full.
    await archive.filled();
    await new Promise((r) => setImmediate(r));
    expect(archive.readableLength).toBeGreaterThanOrEqual(archive.readableHighWaterMark);
    expect(archive.served).toBeLessThan(256 * 1024);
    expect(await sha256(file.stream)).toBe(createHash('sha256').update(content).digest('hex'));
    // The padding and end blocks too, so the command in the lab ends (and says how).
    await new Promise((r) => setImmediate(r));
    expect(archive.readableEnded).toBe(true);
  });

  it('fails the stream when the copy fails or stops partway, instead of leaving it open', async () => {
    const tar = await tarArchive({ 'data.bin': randomBytes(100 * 1024) });
    const { files } = filesOver(new FakeArchive(tar, 50_000), new FakeArchive(tar.subarray(0, 50_000)));
    const broken = await files.download(owner, lab.id, { path: '/root/data.bin' });
    await expect(sha256(broken.stream)).rejects.toThrow('the exec broke');
    const cut = await files.download(owner, lab.id, { path: '/root/data.bin' });
    await expect(sha256(cut.stream)).rejects.toThrow(/end of data/i);
  });

  it("destroying the stream (a client that goes away) destroys the backend's, which stops the copy", async () => {
    const archive = new FakeArchive(await tarArchive({ 'data.bin': randomBytes(1_000_000) }));
    const { files } = filesOver(archive);
    const file = await files.download(owner, lab.id, { path: '/root/data.bin' });
    await new Promise((resolve) => file.stream.once('data', resolve));
    file.stream.destroy();
    expect(await endsWithin(archive, ['close'], 5000)).toBe(true);
    expect(archive.destroyed).toBe(true);
  });

  it('hands out a directory as its whole archive, copied out again; the first copy is stopped', async () => {
    const tar = await tarArchive({ 'app/': null, 'app/a.txt': 'A', 'app/big.bin': randomBytes(100 * 1024) });
    const first = new FakeArchive(tar);
    const { files, copyOut } = filesOver(first, new FakeArchive(tar));
    const folder = await files.download(owner, lab.id, { path: '/root/app' });
    expect(folder).toMatchObject({ name: 'app.tar', archive: true });
    expect(folder.bytes).toBeUndefined();
    expect(await sha256(folder.stream)).toBe(createHash('sha256').update(tar).digest('hex'));
    expect(copyOut).toHaveBeenCalledTimes(2);
    expect(first.destroyed).toBe(true);
  });

  it('reports an archive without members as a missing file', async () => {
    const { files } = filesOver(new FakeArchive(await tarArchive({})));
    await expect(files.download(owner, lab.id, { path: '/root/gone' })).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
