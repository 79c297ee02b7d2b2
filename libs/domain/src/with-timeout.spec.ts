import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('passes a prompt answer through', async () => {
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
  });

  it('rejects a late one, saying how long it waited', async () => {
    await expect(withTimeout(new Promise((r) => setTimeout(r, 500)), 20)).rejects.toThrow('no answer within 20 ms');
  });
});
