import { ArchiveSource, StreamedArchive } from './streamed-archive';

function source(): ArchiveSource & { calls: string[] } {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume'), stop: () => calls.push('stop') };
}

const archiveOf = (timings = { startMs: 1000, stallMs: 1000 }) =>
  new StreamedArchive(timings, { onNoStart: () => new Error('no answer'), onStall: () => new Error('reader stopped') });

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe('StreamedArchive', () => {
  it('starts at the first byte and carries every byte to the end', async () => {
    const archive = archiveOf();
    archive.attach(source());
    archive.stdout.write(Buffer.from('tar '));
    const stream = await archive.started;
    archive.stdout.write(Buffer.from('bytes'));
    archive.finish();
    expect(await readAll(stream)).toBe('tar bytes');
  });

  it('rejects with the failure when it comes before any byte (a missing path), and stops the source', async () => {
    const archive = archiveOf();
    const s = source();
    archive.attach(s);
    archive.finish(new Error('No such file or directory'));
    await expect(archive.started).rejects.toThrow('No such file or directory');
    expect(s.calls).toEqual(['stop']);
  });

  it('destroys the started stream with a failure that comes later', async () => {
    const archive = archiveOf();
    archive.attach(source());
    archive.stdout.write(Buffer.from('part'));
    const stream = await archive.started;
    archive.finish(new Error('tar exited with 2'));
    await expect(readAll(stream)).rejects.toThrow('tar exited with 2');
  });

  describe('on a fake clock (streams still run on the real event loop)', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    it('fails when nothing comes within the start time, not before', async () => {
      let failure: unknown;
      const archive = archiveOf({ startMs: 20, stallMs: 1000 });
      archive.started.catch((e: unknown) => (failure = e));
      await jest.advanceTimersByTimeAsync(19);
      expect(failure).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(failure).toEqual(new Error('no answer'));
    });

    it('pauses the source while the reader is behind, resumes it when it drains, and fails a reader that stays away for the stall time', async () => {
      const archive = archiveOf({ startMs: 1000, stallMs: 50 });
      const s = source();
      archive.attach(s);
      archive.stdout.write(Buffer.alloc(64 * 1024));
      const stream = (await archive.started) as NodeJS.ReadableStream & { read(): Buffer | null };
      expect(s.calls).toEqual(['pause']);
      // Behind for almost the stall time, then caught up: the clock starts again.
      await jest.advanceTimersByTimeAsync(49);
      stream.read();
      await new Promise((r) => setImmediate(r));
      expect(s.calls).toEqual(['pause', 'resume']);
      archive.stdout.write(Buffer.alloc(64 * 1024));
      let failure: unknown;
      stream.on('error', (e: unknown) => (failure = e));
      await jest.advanceTimersByTimeAsync(49);
      expect([failure, s.calls]).toEqual([undefined, ['pause', 'resume', 'pause']]);
      await jest.advanceTimersByTimeAsync(1);
      expect(failure).toMatchObject({ message: 'reader stopped' });
      expect(s.calls).toEqual(['pause', 'resume', 'pause', 'stop']);
    });
  });

  it('stops the source when the reader goes away, and a source attached after the end at once', async () => {
    const archive = archiveOf();
    const s = source();
    archive.attach(s);
    archive.stdout.write(Buffer.from('x'));
    const stream = (await archive.started) as NodeJS.ReadableStream & { destroy(): void };
    stream.destroy();
    await new Promise((r) => setImmediate(r));
    expect(s.calls).toEqual(['stop']);
    const late = source();
    archive.attach(late);
    expect(late.calls).toEqual(['stop']);
  });
});
