import { BoundedBuffer } from './bounded-buffer';

describe('BoundedBuffer', () => {
  it('keeps everything under the limit', async () => {
    const b = new BoundedBuffer(10);
    b.write(Buffer.from('hello'));
    await new Promise((r) => b.end(r));
    expect(b.text()).toBe('hello');
    expect(b.truncated).toBe(false);
  });

  it('cuts at the limit and says so', async () => {
    const b = new BoundedBuffer(4);
    b.write(Buffer.from('abc'));
    b.write(Buffer.from('defg'));
    await new Promise((r) => b.end(r));
    expect(b.text()).toBe('abcd');
    expect(b.truncated).toBe(true);
  });
});
