/**
 * The dashboard page: lit-html templates over the local server's JSON API (../server.ts). Bundled for the browser
 * with the shared schedule engine and the job validator (tooling/dashboard-bundle.ts), so the form's live
 * validation and next-run preview are the very code the macro, the Jobs app and `cloud-cron jobs validate` run.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { type JobProblem, validateJobText } from '../../../functions/common/jobs/validate';
import { describeSchedule, formatRun, nextRuns } from '../../../functions/common/schedule';
import type { DashboardData, DashboardJob, JobDetail, RunView } from '../model';

const token = document.querySelector<HTMLMetaElement>('meta[name="cloud-cron-token"]')?.content ?? '';

type Editor = { mode: 'create' | 'edit'; id?: string; etag?: string; text: string; saved?: string };
type Confirm = { text: string; detail: string; label: string; go: () => Promise<void> };

const state: {
  data?: DashboardData;
  detail?: JobDetail;
  editor?: Editor;
  confirm?: Confirm;
  notice?: { text: string; error: boolean };
  serverProblems?: JobProblem[];
  busy: boolean;
} = { busy: false };

class ApiError extends Error {
  constructor(
    message: string,
    readonly errors?: JobProblem[],
  ) {
    super(message);
  }
}

async function api<T>(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(path, {
    method,
    headers: {
      ...(method === 'GET' ? {} : { 'x-cloud-cron-token': token }),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body,
  });
  const payload = (await r.json()) as T & { message?: string; errors?: JobProblem[] };
  if (!r.ok) throw new ApiError(payload.message ?? `HTTP ${r.status}`, payload.errors);
  return payload;
}

const STATUS_CLASS = new Set(['succeeded', 'failed', 'timed_out', 'missed']);
const statusClass = (s: string) => `s-${STATUS_CLASS.has(s) ? s : 'other'}`;
const label = (s: string) => s.replace('_', ' ');

function when(iso: string | null | undefined, tz: string): string {
  return iso ? formatRun(new Date(iso), tz) : '—';
}

function badge(run: RunView | null) {
  if (!run) return html`<span class="muted">never</span>`;
  return html`<span class="status ${statusClass(run.status)}">${label(run.status)}</span>`;
}

function runTitle(r: RunView, tz: string): string {
  const error = [r.errorType, r.errorMessage].filter(Boolean).join(': ');
  return [`${label(r.status)} ${when(r.at, tz)}`, r.trigger === 'manual' ? 'run now' : '', error || r.reason || '']
    .filter(Boolean)
    .join(' — ');
}

function strip(job: DashboardJob) {
  if (job.history.length === 0) return html`<span class="muted">no runs yet</span>`;
  const tz = job.schedule.timezone;
  return html`<ol class="strip" aria-label="last ${job.history.length} runs of ${job.name}, oldest first">
    ${job.history.map(
      (r) => html`<li class="${statusClass(r.status)}" title=${runTitle(r, tz)} aria-label=${runTitle(r, tz)}></li>`,
    )}
  </ol>`;
}

function missed(job: DashboardJob) {
  if (!job.missed) return html`<span class="muted" title="registry jobs are not watched for missed runs">—</span>`;
  if (job.missed.last7Days === 0) return html`<span>0</span>`;
  return html`<span class="missed"
    >${job.missed.last7Days} missed<br /><small>latest ${when(job.missed.latest, job.schedule.timezone)}</small></span
  >`;
}

function actions(job: DashboardJob) {
  const a = job.actions;
  return html`<div class="actions">
    ${a.runNow ? html`<button @click=${() => askRun(job)} ?disabled=${state.busy}>Run now</button>` : nothing}
    ${a.pause ? html`<button @click=${() => askPause(job, true)} ?disabled=${state.busy}>Pause</button>` : nothing}
    ${a.resume ? html`<button @click=${() => askPause(job, false)} ?disabled=${state.busy}>Resume</button>` : nothing}
    ${a.edit ? html`<button @click=${() => openEditor(job)} ?disabled=${state.busy}>Edit</button>` : nothing}
  </div>`;
}

function jobRow(job: DashboardJob) {
  const tz = job.schedule.timezone;
  const paused = job.schedule.state !== 'ENABLED';
  return html`<tr data-job=${job.key}>
    <th scope="row">
      <button class="link" @click=${() => openDetail(job.key)} aria-label="details of ${job.name}">${job.name}</button
      ><br /><small>${job.kind === 'stack' ? `stack ${job.origin}` : `registry (${job.origin})`}</small>
      ${job.description ? html`<br /><small>${job.description}</small>` : nothing}
    </th>
    <td class="schedule">
      ${job.schedule.words}<br /><small><code>${job.schedule.expression}</code> · ${tz}</small>
      ${paused ? html`<br /><span class="status s-other">${job.schedule.state.toLowerCase()}</span>` : nothing}
    </td>
    <td class="next">
      ${
        job.nextRuns.length
          ? html`<ul class="runs">
            ${job.nextRuns.map((r) => html`<li><time datetime=${r}>${formatRun(new Date(r), tz)}</time></li>`)}
          </ul>`
          : html`<span class="muted">none</span>`
      }
    </td>
    <td class="last">
      ${badge(job.lastRun)}
      ${job.lastRun ? html`<br /><small>${when(job.lastRun.at, tz)}</small>` : nothing}
    </td>
    <td class="missed-cell">${missed(job)}</td>
    <td class="history">${strip(job)}</td>
    <td>${actions(job)}</td>
  </tr>`;
}

function sources(data: DashboardData) {
  const s = [data.sources.runs, data.sources.registry];
  return html`<ul class="sources" aria-label="where the jobs come from">
    ${s.map((x) =>
      x.available ? html`<li>${x.name}: ${x.detail}</li>` : html`<li class="off">${x.name} not shown: ${x.detail}</li>`,
    )}
  </ul>`;
}

function detailView(d: JobDetail) {
  const job = d.job;
  const tz = job.schedule.timezone;
  return html`<section class="detail" aria-labelledby="detail-title">
    <h2 id="detail-title" tabindex="-1">${job.name}</h2>
    <p>
      ${job.schedule.words} (<code>${job.schedule.expression}</code>, ${tz}), ${job.schedule.state.toLowerCase()}.
      ${job.kind === 'registry' ? html`Runs counted: ${job.runCount}${job.maxRuns ? ` of ${job.maxRuns}` : ''}.` : nothing}
    </p>
    ${actions(job)}
    <table>
      <caption>Recent runs of ${job.name}, newest first</caption>
      <thead>
        <tr><th scope="col">When</th><th scope="col">Status</th><th scope="col">Slot</th><th scope="col">Trigger</th><th scope="col">Attempts</th><th scope="col">Duration</th><th scope="col">Error</th></tr>
      </thead>
      <tbody>
        ${d.runs.length === 0 ? html`<tr><td colspan="7">No runs recorded yet.</td></tr>` : nothing}
        ${d.runs.map(
          (r) => html`<tr>
            <td>${when(r.at, tz)}</td>
            <td>${badge(r)}</td>
            <td>${r.scheduledTime ? when(r.scheduledTime, tz) : '—'}</td>
            <td>${r.trigger === 'manual' ? 'run now' : (r.trigger ?? (r.status === 'missed' ? 'schedule' : '—'))}</td>
            <td>${r.attempts ?? '—'}</td>
            <td>${r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : '—'}</td>
            <td>${[r.errorType, r.errorMessage].filter(Boolean).join(': ') || r.reason || '—'}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${d.definition ? html`<h3>Definition</h3><pre>${JSON.stringify(d.definition, null, 2)}</pre>` : nothing}
    <p><button @click=${closeDetail}>Close</button></p>
  </section>`;
}

const TEMPLATE = {
  version: 1,
  id: 'nightly-report',
  description: 'Builds the nightly report',
  schedule: { expression: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris' },
  target: { type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly-report', payload: {} },
};

/** The form's live verdict: the validator's problems, or the schedule in words and its next runs. */
function verdict(text: string) {
  const v = validateJobText(text, { now: new Date() });
  if (!v.ok) return { ok: false as const, errors: v.errors, warnings: v.warnings };
  const s = v.job.schedule;
  const tz = s.timezone ?? 'UTC';
  let preview: string[] = [];
  let words = '';
  try {
    words = describeSchedule(s.expression);
    preview = nextRuns(s.expression, tz, 5).map((d) => formatRun(d, tz));
  } catch (e) {
    words = (e as Error).message;
  }
  return { ok: true as const, words, tz, preview, warnings: v.warnings };
}

function problemList(problems: JobProblem[], cls: string) {
  return html`<ul class=${cls}>
    ${problems.map((p) => html`<li data-path=${p.path}>${p.message}</li>`)}
  </ul>`;
}

function editorView(e: Editor) {
  const v = verdict(e.text);
  return html`<section class="editor" aria-labelledby="editor-title">
    <h2 id="editor-title" tabindex="-1">${e.mode === 'create' ? 'New registry job' : `Edit ${e.id}`}</h2>
    <form @submit=${save} novalidate>
      <label for="definition">Job definition (JSON, schemas/job.v1.json)</label>
      <textarea
        id="definition"
        name="definition"
        spellcheck="false"
        aria-describedby="verdict"
        aria-invalid=${v.ok ? 'false' : 'true'}
        .value=${e.text}
        @input=${(ev: Event) => {
          e.text = (ev.target as HTMLTextAreaElement).value;
          state.serverProblems = undefined;
          draw();
        }}
      ></textarea>
      <div id="verdict" aria-live="polite">
        ${
          v.ok
            ? html`<p class="ok">Valid. ${v.words} (${v.tz}). Next runs:</p>
              <ul class="preview">
                ${v.preview.map((p) => html`<li>${p}</li>`)}
              </ul>`
            : html`<p class="problems">Not valid yet:</p>
              ${problemList(v.errors, 'problems')}`
        }
        ${v.warnings.length ? problemList(v.warnings, 'warnings muted') : nothing}
        ${
          state.serverProblems?.length
            ? html`<p class="problems">The Jobs app refused it:</p>
              ${problemList(state.serverProblems, 'problems')}`
            : nothing
        }
        ${e.saved ? html`<p class="ok" role="status">${e.saved}</p>` : nothing}
      </div>
      <p class="actions">
        <button class="primary" type="submit" ?disabled=${!v.ok || state.busy}>
          ${e.mode === 'create' ? 'Create job' : 'Save changes'}
        </button>
        <button type="button" @click=${closeEditor}>Close</button>
      </p>
    </form>
  </section>`;
}

function confirmView(c: Confirm) {
  return html`<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-detail">
    <h2 id="confirm-title">${c.text}</h2>
    <p id="confirm-detail">${c.detail}</p>
    <p class="actions">
      <button class="primary" @click=${() => void confirmed()}>${c.label}</button>
      <button @click=${cancelConfirm}>Cancel</button>
    </p>
  </dialog>`;
}

function view(): TemplateResult {
  const d = state.data;
  return html`<header>
      <h1>Cloud Cron</h1>
      <span class="now">${d ? `as of ${formatRun(new Date(d.now), Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')}` : ''}</span>
      <span class="spacer"></span>
      <button @click=${() => void refresh()} ?disabled=${state.busy}>Refresh</button>
      ${d?.sources.registry.available ? html`<button @click=${() => openEditor()}>New registry job</button>` : nothing}
    </header>
    <main id="jobs" tabindex="-1">
      ${
        state.notice
          ? html`<p class="notice ${state.notice.error ? 'error' : ''}" role=${state.notice.error ? 'alert' : 'status'}>
            ${state.notice.text}
          </p>`
          : nothing
      }
      ${d ? sources(d) : nothing}
      ${
        d
          ? html`<table aria-describedby="jobs-caption">
            <caption id="jobs-caption">${d.jobs.length} job(s); times in each job's zone</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next runs</th>
                <th scope="col">Last run</th>
                <th scope="col">Missed (7 days)</th>
                <th scope="col">Run history</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              ${d.jobs.length === 0 ? html`<tr><td colspan="7">No jobs yet.</td></tr>` : nothing}
              ${d.jobs.map(jobRow)}
            </tbody>
          </table>`
          : html`<p>Loading the jobs…</p>`
      }
      ${state.detail ? detailView(state.detail) : nothing} ${state.editor ? editorView(state.editor) : nothing}
    </main>
    ${state.confirm ? confirmView(state.confirm) : nothing}`;
}

const root = document.getElementById('app') as HTMLElement;
// The static "Loading" text is replaced, not kept above what lit-html renders.
root.replaceChildren();

function draw() {
  render(view(), root);
  const dialog = document.getElementById('confirm') as HTMLDialogElement | null;
  if (dialog && !dialog.open) {
    dialog.addEventListener('cancel', cancelConfirm, { once: true });
    dialog.showModal();
  }
}

async function work(fn: () => Promise<void>) {
  state.busy = true;
  draw();
  try {
    await fn();
  } catch (e) {
    state.notice = { text: (e as Error).message, error: true };
  } finally {
    state.busy = false;
    draw();
  }
}

async function refresh() {
  await work(async () => {
    state.data = await api<DashboardData>('GET', '/api/jobs');
    if (state.detail)
      state.detail = await api<JobDetail>('GET', `/api/jobs/${encodeURIComponent(state.detail.job.key)}`);
  });
}

function focus(id: string) {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

async function openDetail(key: string) {
  await work(async () => {
    state.detail = await api<JobDetail>('GET', `/api/jobs/${encodeURIComponent(key)}`);
  });
  focus('detail-title');
}

function closeDetail() {
  state.detail = undefined;
  draw();
}

function ask(c: Confirm) {
  state.confirm = c;
  draw();
}

function cancelConfirm() {
  state.confirm = undefined;
  draw();
}

async function confirmed() {
  const c = state.confirm;
  state.confirm = undefined;
  (document.getElementById('confirm') as HTMLDialogElement | null)?.close();
  if (c) await work(c.go);
}

function askRun(job: DashboardJob) {
  ask({
    text: `Run ${job.name} now?`,
    detail:
      job.kind === 'stack'
        ? `This invokes ${job.name} asynchronously with its schedule's payload, as its schedule does: retries, the ledger and the failure topic behave as for a scheduled run. It does not count as a scheduled slot.`
        : `This asks the Jobs app's dispatcher for a manual run of ${job.name}: its target is invoked now. Manual runs do not count towards maxRuns.`,
    label: 'Run now',
    go: async () => {
      const r = await api<{ requestId?: string; executionId?: string }>(
        'POST',
        `/api/jobs/${encodeURIComponent(job.key)}/run`,
      );
      state.notice = { text: `${job.name}: run queued (${r.requestId ?? r.executionId}).`, error: false };
      state.data = await api<DashboardData>('GET', '/api/jobs');
      if (state.detail?.job.key === job.key)
        state.detail = await api<JobDetail>('GET', `/api/jobs/${encodeURIComponent(job.key)}`);
    },
  });
}

function askPause(job: DashboardJob, pause: boolean) {
  ask({
    text: `${pause ? 'Pause' : 'Resume'} ${job.name}?`,
    detail: pause
      ? `Its schedule is disabled until you resume it; run now still works.`
      : `Its schedule fires again from its next slot (${job.schedule.words}, ${job.schedule.timezone}).`,
    label: pause ? 'Pause' : 'Resume',
    go: async () => {
      await api('POST', `/api/jobs/${encodeURIComponent(job.key)}/${pause ? 'pause' : 'resume'}`);
      state.notice = { text: `${job.name} ${pause ? 'paused' : 'resumed'}.`, error: false };
      state.data = await api<DashboardData>('GET', '/api/jobs');
      if (state.detail?.job.key === job.key)
        state.detail = await api<JobDetail>('GET', `/api/jobs/${encodeURIComponent(job.key)}`);
    },
  });
}

async function openEditor(job?: DashboardJob) {
  if (!job) {
    state.editor = { mode: 'create', text: JSON.stringify(TEMPLATE, null, 2) };
  } else {
    await work(async () => {
      const d = await api<JobDetail>('GET', `/api/jobs/${encodeURIComponent(job.key)}`);
      state.editor = { mode: 'edit', id: job.name, etag: d.job.etag, text: JSON.stringify(d.definition, null, 2) };
    });
  }
  state.serverProblems = undefined;
  draw();
  focus('definition');
}

function closeEditor() {
  state.editor = undefined;
  state.serverProblems = undefined;
  draw();
}

async function save(ev: Event) {
  ev.preventDefault();
  const e = state.editor;
  if (!e) return;
  await work(async () => {
    try {
      const r =
        e.mode === 'create'
          ? await api<{ id: string; etag: string; outcome: string }>('POST', '/api/registry', e.text)
          : await api<{ id: string; etag: string; outcome: string }>(
              'PUT',
              `/api/registry/${encodeURIComponent(e.id ?? '')}`,
              e.text,
              { 'if-match': e.etag ?? '' },
            );
      state.editor = { mode: 'edit', id: r.id, etag: r.etag, text: e.text, saved: `Saved ${r.id} (${r.outcome}).` };
      state.serverProblems = undefined;
      state.data = await api<DashboardData>('GET', '/api/jobs');
    } catch (err) {
      if (err instanceof ApiError && err.errors) state.serverProblems = err.errors;
      else throw err;
    }
  });
}

void refresh();
