/** The reconciler's reads and writes, on the shared jobs store: one adapter for the function and the local app. */
import type { JobsStore } from '../common/jobs/store';
import { jobPk, SCHEDULE_SK, type ScheduleItem, STATE_SK, type StateItem } from '../common/jobs/table';
import type { ReconcilerStore } from './reconciler';

export function reconcilerStore(store: JobsStore): ReconcilerStore {
  return {
    async runCounts(ids) {
      const items = (await store.getItems(ids.map((id) => ({ pk: jobPk(id), sk: STATE_SK })))) as StateItem[];
      return new Map(items.map((s) => [s.pk.slice(4), s.runCount ?? 0]));
    },
    putScheduleRecords: (items) => store.writeItems(items),
    deleteScheduleRecords: (ids) =>
      store.writeItems(
        [],
        ids.map((id) => ({ pk: jobPk(id), sk: SCHEDULE_SK })),
      ),
    listJobItems: () => store.listJobItems(),
    getJobItem: (id) => store.getJobItem(id),
    async scheduleRecords(ids) {
      const items = (await store.getItems(ids.map((id) => ({ pk: jobPk(id), sk: SCHEDULE_SK })))) as ScheduleItem[];
      return new Map(items.map((s) => [s.id, s]));
    },
  };
}
