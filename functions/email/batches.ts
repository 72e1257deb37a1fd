/**
 * Splits the recipients into sends of at most 50 (SES's limit per message, To + Cc + Bcc together).
 * Each address appears in exactly one batch, keeping its role; an address listed in several roles is sent
 * once, in the first role it appears in (To, then Cc, then Bcc).
 */
export const SES_MAX_RECIPIENTS = 50;

export type Batch = { to: string[]; cc: string[]; bcc: string[] };

type Role = keyof Batch;

export function splitRecipients(recipients: Batch, max = SES_MAX_RECIPIENTS): Batch[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`batch size must be a positive whole number, got ${max}`);
  const seen = new Set<string>();
  const all: { role: Role; address: string }[] = [];
  for (const role of ['to', 'cc', 'bcc'] as const) {
    for (const address of recipients[role]) {
      const key = address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      all.push({ role, address });
    }
  }
  const batches: Batch[] = [];
  for (let i = 0; i < all.length; i += max) {
    const batch: Batch = { to: [], cc: [], bcc: [] };
    for (const { role, address } of all.slice(i, i + max)) batch[role].push(address);
    batches.push(batch);
  }
  return batches;
}

/** A stable idempotency key for one batch of one SNS message: the same message and batch always give the same key. */
export function batchKey(messageId: string, batch: Batch): string {
  return JSON.stringify({ channel: 'email', messageId, to: batch.to, cc: batch.cc, bcc: batch.bcc });
}

export function batchSize(batch: Batch): number {
  return batch.to.length + batch.cc.length + batch.bcc.length;
}
