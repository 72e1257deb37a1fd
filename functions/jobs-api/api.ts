/**
 * The Jobs HTTP API (AWS::Serverless::HttpApi, IAM authorization): one function for every route, over the same
 * store and validator as the job files and the CLI.
 *
 *   GET    /jobs                 every job (?limit=1-100, ?next=<cursor>), as job views
 *   POST   /jobs                 create (409 if the id exists)
 *   GET    /jobs/{id}            the job view; ETag header
 *   PUT    /jobs/{id}            create (If-None-Match: *, or no header for a new id) or replace (If-Match: <ETag>)
 *   DELETE /jobs/{id}            delete (If-Match optional)
 *   POST   /jobs/{id}/run        run now (202; the dispatcher runs it as a manual run)
 *   POST   /jobs/{id}/pause      pause (its schedule is disabled; runs now still work)
 *   POST   /jobs/{id}/resume     resume
 *   GET    /jobs/{id}/runs       recent runs, newest first (?limit=1-100)
 *
 * Replacing an existing job requires If-Match (428 without it, 412 when it does not match): two writers can never
 * silently overwrite each other. Every refusal is JSON: {"code", "message", "errors"?: [{path, pointer, code, message}]}.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type APIGatewayProxyEventV2 = APIGatewayProxyEventV2WithIAMAuthorizer;

import { manualInput } from '../common/jobs/dispatch-input';
import { JobConflictError, type JobsStore } from '../common/jobs/store';
import { etagOf } from '../common/jobs/table';
import type { TargetPatterns } from '../common/jobs/targets';
import { type JobProblem, validateJobText } from '../common/jobs/validate';
import { jobView, runView, VIEW_VERSION } from '../common/jobs/view';

export type ApiDeps = {
  store: JobsStore;
  allowed: TargetPatterns;
  /** Invokes the dispatcher asynchronously with a manual-run input. */
  runNow(input: ReturnType<typeof manualInput>): Promise<void>;
  newId: () => string;
  now: () => Date;
  log: { info(m: string, e?: Record<string, unknown>): void; warn(m: string, e?: Record<string, unknown>): void };
};

type Response = APIGatewayProxyStructuredResultV2;

const JSON_HEADERS = { 'content-type': 'application/json' };

function reply(statusCode: number, body: unknown, headers: Record<string, string> = {}): Response {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: body === undefined ? '' : JSON.stringify(body) };
}

function problem(statusCode: number, code: string, message: string, errors?: JobProblem[]): Response {
  return reply(statusCode, { code, message, ...(errors ? { errors } : {}) });
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const h = event.headers ?? {};
  const key = Object.keys(h).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : h[key];
}

function limitOf(event: APIGatewayProxyEventV2, fallback: number): number | Response {
  const raw = event.queryStringParameters?.limit;
  if (raw === undefined) return fallback;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) {
    return problem(400, 'InvalidRequest', `limit "${raw}" must be a whole number from 1 to 100`);
  }
  return Number(raw);
}

const ROUTES = [
  'GET /jobs',
  'POST /jobs',
  'GET /jobs/{id}',
  'PUT /jobs/{id}',
  'DELETE /jobs/{id}',
  'POST /jobs/{id}/run',
  'POST /jobs/{id}/pause',
  'POST /jobs/{id}/resume',
  'GET /jobs/{id}/runs',
] as const;
export type Route = (typeof ROUTES)[number];

/** The route of an event: API Gateway's routeKey, or the method and path. */
export function routeOf(event: APIGatewayProxyEventV2): { route: Route; id?: string } | undefined {
  const method = event.requestContext?.http?.method ?? '';
  const path = (event.rawPath ?? '').replace(/\/+$/, '').replace(/^\/[^/]+(?=\/jobs)/, '');
  const key = (event.routeKey && event.routeKey !== '$default' ? event.routeKey : '').trim();
  const m = /^\/jobs(?:\/([^/]+))?(?:\/(run|pause|resume|runs))?$/.exec(path);
  const id = event.pathParameters?.id ?? (m?.[1] ? decodeURIComponent(m[1]) : undefined);
  if ((ROUTES as readonly string[]).includes(key)) return { route: key as Route, ...(id ? { id } : {}) };
  if (!m) return undefined;
  const shape = `${method} /jobs${m[1] ? '/{id}' : ''}${m[2] ? `/${m[2]}` : ''}`;
  return (ROUTES as readonly string[]).includes(shape) ? { route: shape as Route, ...(id ? { id } : {}) } : undefined;
}

export function createApi(deps: ApiDeps) {
  const { store, log } = deps;

  function bodyText(event: APIGatewayProxyEventV2): string {
    const raw = event.body ?? '';
    return event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  }

  async function viewOf(id: string, now: Date) {
    const record = await store.getJob(id);
    return record ? jobView(record, now) : undefined;
  }

  function conflict(e: JobConflictError): Response {
    switch (e.code) {
      case 'not-found':
        return problem(
          e.message.includes('cursor') ? 400 : 404,
          e.message.includes('cursor') ? 'InvalidRequest' : 'NotFound',
          e.message,
        );
      case 'precondition':
        return problem(412, 'PreconditionFailed', e.message);
      case 'exists':
        return problem(409, 'Conflict', e.message);
      case 'owner':
        return problem(409, 'Conflict', e.message);
      default:
        return problem(409, 'Conflict', e.message);
    }
  }

  async function write(event: APIGatewayProxyEventV2, route: Route, pathId: string | undefined): Promise<Response> {
    const text = bodyText(event);
    if (text.trim() === '') {
      return problem(
        400,
        'InvalidJob',
        'the request has no body: send the job definition as JSON (Content-Type: application/json)',
      );
    }
    const now = deps.now();
    const result = validateJobText(text, { allowedTargetArns: deps.allowed, now });
    if (!result.ok)
      return problem(
        400,
        'InvalidJob',
        `the job definition was refused: ${result.errors.length} problem(s)`,
        result.errors,
      );
    const job = result.job;
    if (pathId !== undefined && job.id !== pathId) {
      return problem(
        400,
        'InvalidJob',
        `id: "${job.id}" is not the job in the path (/jobs/${pathId}): make them the same`,
        [
          {
            path: 'id',
            pointer: '/id',
            code: 'id.path-mismatch',
            message: `id: "${job.id}" is not the job in the path (/jobs/${pathId}): make them the same`,
          },
        ],
      );
    }
    const by = event.requestContext?.authorizer?.iam?.userArn ?? 'api';
    const ifMatch = header(event, 'if-match');
    const ifNoneMatch = header(event, 'if-none-match');
    const createOnly = route === 'POST /jobs' || ifNoneMatch?.trim() === '*';
    let current: Awaited<ReturnType<JobsStore['getJobItem']>> | null | undefined;
    if (route === 'PUT /jobs/{id}' && ifMatch === undefined && !createOnly) {
      current = (await store.getJobItem(job.id)) ?? null;
      if (current) {
        return problem(
          428,
          'PreconditionRequired',
          `job ${job.id} exists: send If-Match with its ETag (${etagOf(current)}, from GET /jobs/${job.id}) to replace it, so a change made meanwhile is not lost`,
        );
      }
    }
    try {
      const out = await store.putJob(job, {
        source: 'api',
        by,
        now,
        ...(createOnly ? { createOnly: true } : {}),
        ...(ifMatch !== undefined ? { ifMatch: ifMatch.trim() } : {}),
        ...(current !== undefined ? { current } : {}),
      });
      log.info('job written', { job: job.id, outcome: out.outcome, version: out.item.version, by });
      const view = await viewOf(job.id, now);
      const headers: Record<string, string> = { etag: etagOf(out.item) };
      if (out.outcome === 'created') headers.location = `/jobs/${encodeURIComponent(job.id)}`;
      return reply(
        out.outcome === 'created' ? 201 : 200,
        { version: VIEW_VERSION, outcome: out.outcome, job: view, warnings: result.warnings },
        headers,
      );
    } catch (e) {
      if (e instanceof JobConflictError) return conflict(e);
      throw e;
    }
  }

  return async function handle(event: APIGatewayProxyEventV2): Promise<Response> {
    const found = routeOf(event);
    if (!found)
      return problem(404, 'NotFound', `no such route: ${event.requestContext?.http?.method} ${event.rawPath}`);
    const { route, id } = found;
    const now = deps.now();
    try {
      switch (route) {
        case 'GET /jobs': {
          const limit = limitOf(event, 50);
          if (typeof limit !== 'number') return limit;
          const page = await store.listPage(limit, event.queryStringParameters?.next);
          const states = await store.statesOf(page.jobs.map((j) => j.id));
          const jobs = page.jobs.map((job) => jobView({ job, ...states.get(job.id) }, now));
          return reply(200, { version: VIEW_VERSION, jobs, ...(page.next ? { next: page.next } : {}) });
        }
        case 'POST /jobs':
        case 'PUT /jobs/{id}':
          return await write(event, route, id);
        case 'GET /jobs/{id}': {
          const view = await viewOf(id!, now);
          if (!view) return problem(404, 'NotFound', `job ${id} does not exist`);
          return reply(200, { version: VIEW_VERSION, job: view }, { etag: view.etag });
        }
        case 'DELETE /jobs/{id}': {
          const ifMatch = header(event, 'if-match')?.trim();
          const out = await store.deleteJob(id!, { source: 'api', ...(ifMatch !== undefined ? { ifMatch } : {}) });
          if (!out.deleted) return problem(404, 'NotFound', `job ${id} does not exist`);
          log.info('job deleted', { job: id, by: event.requestContext?.authorizer?.iam?.userArn });
          return { statusCode: 204, headers: {}, body: '' };
        }
        case 'POST /jobs/{id}/pause':
        case 'POST /jobs/{id}/resume': {
          const paused = route.endsWith('pause');
          await store.setPaused(id!, paused, now);
          log.info(paused ? 'job paused' : 'job resumed', { job: id });
          const view = await viewOf(id!, now);
          return reply(200, { version: VIEW_VERSION, job: view }, view ? { etag: view.etag } : {});
        }
        case 'POST /jobs/{id}/run': {
          if (!(await store.getJobItem(id!))) return problem(404, 'NotFound', `job ${id} does not exist`);
          const input = manualInput(id!, `manual-${deps.newId()}`, now);
          await deps.runNow(input);
          log.info('run now requested', { job: id, executionId: input.executionId });
          return reply(202, {
            version: VIEW_VERSION,
            job: id,
            executionId: input.executionId,
            requestedAt: input.requestedAt,
            status: 'queued',
          });
        }
        case 'GET /jobs/{id}/runs': {
          const limit = limitOf(event, 20);
          if (typeof limit !== 'number') return limit;
          if (!(await store.getJobItem(id!))) return problem(404, 'NotFound', `job ${id} does not exist`);
          const runs = await store.listRuns(id!, limit);
          return reply(200, { version: VIEW_VERSION, job: id, runs: runs.map(runView) });
        }
      }
    } catch (e) {
      if (e instanceof JobConflictError) return conflict(e);
      throw e;
    }
  };
}
