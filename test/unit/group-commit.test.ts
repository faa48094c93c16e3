import { GroupCommit } from '../../src/db/group-commit';

/** A write whose completion the test controls, recording the batches it was given. */
function controlledWrite() {
  const batches: string[][] = [];
  const pending: Array<() => void> = [];
  const write = (items: string[]) => {
    batches.push(items);
    if (items.includes('bad')) return Promise.reject(new Error('refused: bad'));
    return new Promise<string[]>((resolve) => pending.push(() => resolve(items.map((i) => `stored ${i}`))));
  };
  return { batches, pending, write };
}

describe('GroupCommit', () => {
  it('writes a lone item at once, and the items arriving meanwhile together in the next write', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, 100);
    const first = group.add('a');
    const rest = ['b', 'c', 'd'].map((i) => group.add(i));
    expect(w.batches).toEqual([['a']]);
    w.pending.shift()!();
    expect(await first).toBe('stored a');
    await new Promise(setImmediate);
    expect(w.batches).toEqual([['a'], ['b', 'c', 'd']]);
    w.pending.shift()!();
    expect(await Promise.all(rest)).toEqual(['stored b', 'stored c', 'stored d']);
  });

  it('caps a write at maxItems', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((i) => group.add(i));
    for (let n = 0; n < 3; n++) {
      await new Promise(setImmediate);
      w.pending.shift()!();
    }
    expect(await Promise.all(all)).toHaveLength(5);
    expect(w.batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('fails only the item a write refuses: a failed batch is retried item by item', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, 100);
    const first = group.add('a');
    const rest = ['b', 'bad', 'c'].map((i) =>
      group.add(i).then(
        (o) => o,
        (err: Error) => err.message,
      ),
    );
    w.pending.shift()!();
    await first;
    for (let n = 0; n < 2; n++) {
      await new Promise(setImmediate);
      while (w.pending.length > 0) w.pending.shift()!();
    }
    expect(await Promise.all(rest)).toEqual(['stored b', 'refused: bad', 'stored c']);
    expect(w.batches.slice(1)).toEqual([['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('under a stream, lets the next write wait lingerMs for more items to join it', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, 100, 30);
    const first = group.add('a');
    const second = ['b', 'c'].map((i) => group.add(i));
    w.pending.shift()!();
    await first;
    await new Promise(setImmediate);
    expect(w.batches).toEqual([['a'], ['b', 'c']]); // a lone write never waits
    const third = group.add('d');
    w.pending.shift()!();
    await Promise.all(second);
    const late = group.add('e'); // arrives during the linger that follows a write of two
    while (w.pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    w.pending.shift()!();
    expect(await Promise.all([third, late])).toEqual(['stored d', 'stored e']);
    expect(w.batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });
});
