import { batchKey, batchSize, SES_MAX_RECIPIENTS, splitRecipients } from '../../../functions/email/batches';

const addresses = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.org`);

describe('splitRecipients', () => {
  test('SES allows 50 recipients per message', () => {
    expect(SES_MAX_RECIPIENTS).toBe(50);
  });

  test('50 or fewer recipients: one batch, roles kept', () => {
    const batches = splitRecipients({ to: addresses('t', 40), cc: addresses('c', 5), bcc: addresses('b', 5) });
    expect(batches).toHaveLength(1);
    expect(batches[0].to).toHaveLength(40);
    expect(batches[0].cc).toHaveLength(5);
    expect(batches[0].bcc).toHaveLength(5);
  });

  test('more than 50: batches of at most 50, every recipient exactly once, in order To, Cc, Bcc', () => {
    const to = addresses('t', 120);
    const cc = addresses('c', 15);
    const bcc = addresses('b', 20);
    const batches = splitRecipients({ to, cc, bcc });
    expect(batches.map(batchSize)).toEqual([50, 50, 50, 5]);
    expect(batches[2]).toEqual({ to: to.slice(100), cc: cc, bcc: bcc.slice(0, 15) });
    expect(batches[3]).toEqual({ to: [], cc: [], bcc: bcc.slice(15) });
    const all = batches.flatMap((b) => [...b.to, ...b.cc, ...b.bcc]);
    expect(all).toEqual([...to, ...cc, ...bcc]);
  });

  test('an address in several roles (any case) is sent once, in its first role', () => {
    const batches = splitRecipients({ to: ['a@x.org'], cc: ['A@X.org', 'c@x.org'], bcc: ['c@x.org', 'd@x.org'] });
    expect(batches).toEqual([{ to: ['a@x.org'], cc: ['c@x.org'], bcc: ['d@x.org'] }]);
  });

  test('a custom size, and refusal of a size that is not a positive whole number', () => {
    expect(splitRecipients({ to: addresses('t', 5), cc: [], bcc: [] }, 2).map(batchSize)).toEqual([2, 2, 1]);
    expect(() => splitRecipients({ to: [], cc: [], bcc: [] }, 0)).toThrow(RangeError);
  });
});

describe('batchKey', () => {
  test('same message and batch give the same key; another message or batch another key', () => {
    const [b1, b2] = splitRecipients({ to: addresses('t', 60), cc: [], bcc: [] });
    expect(batchKey('m1', b1)).toBe(batchKey('m1', { ...b1 }));
    expect(batchKey('m1', b1)).not.toBe(batchKey('m2', b1));
    expect(batchKey('m1', b1)).not.toBe(batchKey('m1', b2));
  });
});
