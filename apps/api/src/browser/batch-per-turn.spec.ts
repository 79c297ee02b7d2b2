import { batchPerTurn } from './batch-per-turn';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('batchPerTurn', () => {
  it('writes what came within one turn as one call, in order, and each later turn on its own', async () => {
    const writes: string[] = [];
    const write = batchPerTurn((data) => writes.push(data));
    for (let i = 0; i < 2000; i++) write(i % 2 ? 'b' : 'a');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['ab'.repeat(1000)]);
    write('ls');
    write('\r');
    await nextTurn();
    expect(writes).toEqual(['ab'.repeat(1000), 'ls\r']);
  });
});
