/**
 * The runs ledger in memory, with DynamoDB's semantics for what the ledger uses (conditional puts, the byTime
 * index order, registry ownership): the fast store for simulations of a year of runs and for unit tests.
 * Integration tests use the real store (functions/common/runs/store.ts) against moto.
 */
import type { LedgerEntry, MissedItem, Registration, RunItem, WatchdogState } from '../../functions/common/runs/ledger';
import { jobPk } from '../../functions/common/runs/ledger';
import type { LedgerStore, PutOutcome } from '../../functions/common/runs/store';

/** Sorted insert by `t`; entries mostly arrive in time order, so this is amortised O(1). */
function insertByTime(list: LedgerEntry[], entry: LedgerEntry): void {
  let i = list.length;
  while (i > 0 && list[i - 1].t > entry.t) i--;
  list.splice(i, 0, entry);
}

export type MemoryStore = LedgerStore & { entries(job: string): LedgerEntry[]; writes: number; reads: number };

export function createMemoryStore(): MemoryStore {
  const byKey = new Map<string, LedgerEntry>();
  const byJob = new Map<string, LedgerEntry[]>();
  const registry = new Map<string, Registration>();
  let watchdog: WatchdogState | undefined;
  const clone = <T>(v: T): T => structuredClone(v);

  const store: MemoryStore = {
    writes: 0,
    reads: 0,
    entries: (job) => byJob.get(jobPk(job)) ?? [],
    async putRun(item: RunItem): Promise<PutOutcome<RunItem>> {
      return putOnce(item) as Promise<PutOutcome<RunItem>>;
    },
    async putMissed(item: MissedItem): Promise<PutOutcome<MissedItem>> {
      return putOnce(item) as Promise<PutOutcome<MissedItem>>;
    },
    async claimNotification({ pk, sk }, now, leaseMs) {
      store.writes += 1;
      const e = byKey.get(`${pk}|${sk}`) as (LedgerEntry & { claimedUntil?: string }) | undefined;
      if (e?.notified !== false) return false;
      if (e.claimedUntil && e.claimedUntil >= now.toISOString()) return false;
      e.claimedUntil = new Date(now.getTime() + leaseMs).toISOString();
      return true;
    },
    async releaseClaim({ pk, sk }) {
      store.writes += 1;
      const e = byKey.get(`${pk}|${sk}`) as (LedgerEntry & { claimedUntil?: string }) | undefined;
      if (e) delete e.claimedUntil;
    },
    async markNotified({ pk, sk }) {
      store.writes += 1;
      const e = byKey.get(`${pk}|${sk}`);
      if (!e)
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      e.notified = true;
    },
    async entriesSince(job, fromT) {
      store.reads += 1;
      const list = byJob.get(jobPk(job)) ?? [];
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid].t < fromT) lo = mid + 1;
        else hi = mid;
      }
      return list.slice(lo).map(clone);
    },
    async recentEntries(job, limit) {
      store.reads += 1;
      return (byJob.get(jobPk(job)) ?? []).slice(-limit).reverse().map(clone);
    },
    async missedSince(job, fromSlot) {
      store.reads += 1;
      return (byJob.get(jobPk(job)) ?? [])
        .filter((e): e is MissedItem => e.kind === 'missed' && e.scheduledTime >= fromSlot)
        .map(clone);
    },
    async listRegistrations() {
      store.reads += 1;
      return [...registry.values()].sort((a, b) => (a.sk < b.sk ? -1 : 1)).map(clone);
    },
    async getRegistration(job) {
      store.reads += 1;
      const r = registry.get(job);
      return r && clone(r);
    },
    async putRegistration(registration) {
      store.writes += 1;
      const existing = registry.get(registration.job);
      if (existing && existing.stackId !== registration.stackId) return false;
      registry.set(registration.job, clone(registration));
      return true;
    },
    async deleteRegistration(job, stackId) {
      store.writes += 1;
      const existing = registry.get(job);
      if (!existing || existing.stackId !== stackId) return false;
      registry.delete(job);
      return true;
    },
    async getWatchdogState() {
      store.reads += 1;
      return watchdog && clone(watchdog);
    },
    async putWatchdogState(state) {
      store.writes += 1;
      watchdog = clone(state);
    },
  };

  async function putOnce(item: LedgerEntry): Promise<PutOutcome<LedgerEntry>> {
    store.writes += 1;
    const key = `${item.pk}|${item.sk}`;
    const existing = byKey.get(key);
    if (existing) return { created: false, existing: clone(existing) };
    const stored = clone(item);
    byKey.set(key, stored);
    let list = byJob.get(item.pk);
    if (!list) {
      list = [];
      byJob.set(item.pk, list);
    }
    insertByTime(list, stored);
    return { created: true };
  }

  return store;
}
