/**
 * The dashboard's local web server: the page, its bundle, and a small JSON API over ./data.ts and the actions.
 * It talks to AWS with the user's own credentials (or AWS_ENDPOINT_URL), so it is for this machine only:
 *
 * - it listens on a loopback address (the command refuses others unless told, cli/dashboard.ts);
 * - every request must name this server in its Host header (127.0.0.1:<port> or localhost:<port>), so a web page
 *   elsewhere cannot reach it through DNS rebinding;
 * - every change (POST, PUT) carries the page's per-process token in a header, which another site's page can neither
 *   read nor send (no CORS is offered), and an Origin, when sent, must be this server;
 * - the page runs under a Content-Security-Policy that allows only its own script, style and API.
 *
 *   GET  /                         the page
 *   GET  /assets/app.js|app.css    the shipped bundle (cli/dashboard/assets)
 *   GET  /api/jobs                 every job (DashboardData)
 *   GET  /api/jobs/<key>           one job with its recent runs (JobDetail)
 *   POST /api/jobs/<key>/run       run now: 202 {requestId | executionId}
 *   POST /api/jobs/<key>/pause     registry jobs: pause (200 {job})
 *   POST /api/jobs/<key>/resume    registry jobs: resume
 *   POST /api/registry             create a registry job from the definition's JSON text (201; 409 if it exists)
 *   PUT  /api/registry/<id>        replace it (If-Match: its ETag; 412 when another writer changed it)
 * A refusal is JSON {code, message, errors?: [{path, pointer, code, message}]}: the validator's problems as
 * `cloud-cron jobs validate` prints them.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { JobConflictError } from '../../functions/common/jobs/store';
import { etagOf } from '../../functions/common/jobs/table';
import { type JobProblem, validateJobText } from '../../functions/common/jobs/validate';
import type { Registration } from '../../functions/common/runs/ledger';
import { loadDashboard, loadDetail, parseKey, type Sources } from './data';

/** What the dashboard's buttons do; injected so the local demo can run jobs where moto cannot (no Lambda runtime). */
export type Actions = {
  /** Runs a wired stack job now, through the same asynchronous path as its schedule (as `cloud-cron run`). */
  runStackJob(registration: Registration, now: Date): Promise<{ requestId: string }>;
  /** Asks the Jobs app's dispatcher for a manual run of a registry job (as POST /jobs/{id}/run). */
  runRegistryJob(id: string, now: Date): Promise<{ executionId: string }>;
};

export type DashboardServerOptions = {
  sources: Sources;
  actions: Actions;
  now?: () => Date;
  /** Where the shipped bundle app.js is (default cli/dashboard/assets); the page and its style are in ./web. */
  assetsDir?: string;
  /** Where a write was made from, kept as the job's updatedBy. */
  by?: string;
  log?: (line: string) => void;
  /** Listening on a non-loopback address (--allow-remote): any Host header is answered. */
  anyHost?: boolean;
};

export type DashboardServer = { url: string; token: string; server: Server; close(): Promise<void> };

const ASSETS = join(__dirname, 'assets');
const MAX_BODY = 512 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: JobProblem[],
  ) {
    super(message);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) =>
  send(res, status, `${JSON.stringify(body)}\n`, 'application/json; charset=utf-8', extra);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpProblem(413, 'TooLarge', `the request body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function page(html: string, token: string): string {
  return html.replace('%CLOUD_CRON_TOKEN%', token);
}

export async function startDashboardServer(
  options: DashboardServerOptions,
  listen: { host: string; port: number },
): Promise<DashboardServer> {
  const now = options.now ?? (() => new Date());
  const dir = options.assetsDir ?? ASSETS;
  const token = randomBytes(24).toString('base64url');
  const files = {
    html: readFileSync(join(__dirname, 'web', 'index.html'), 'utf8'),
    js: readFileSync(join(dir, 'app.js')),
    css: readFileSync(join(__dirname, 'web', 'app.css')),
  };
  let allowedHosts: Set<string> = new Set();
  const { sources, actions } = options;

  function registryOrThrow() {
    if ('unavailable' in sources.registry)
      throw new HttpProblem(503, 'NoRegistry', `the Jobs app is not available: ${sources.registry.unavailable}`);
    return sources.registry;
  }

  async function write(text: string, id: string | undefined, ifMatch: string | undefined) {
    const registry = registryOrThrow();
    const at = now();
    const verdict = validateJobText(text, {
      now: at,
      ...(registry.config ? { allowedTargetArns: registry.config.allowedTargetArns } : {}),
    });
    if (!verdict.ok)
      throw new HttpProblem(
        400,
        'InvalidJob',
        `the job is not valid (${verdict.errors.length} problem(s))`,
        verdict.errors,
      );
    if (id !== undefined && verdict.job.id !== id)
      throw new HttpProblem(
        400,
        'IdMismatch',
        `id: the definition's id "${verdict.job.id}" is not the job being edited (${id}): an id cannot change; create a new job instead`,
      );
    if (id !== undefined && !ifMatch)
      throw new HttpProblem(
        428,
        'PreconditionRequired',
        'replacing a job needs If-Match: its ETag (reload the job and edit again)',
      );
    try {
      const out = await registry.store.putJob(verdict.job, {
        source: 'cli',
        now: at,
        by: options.by ?? 'cloud-cron dashboard',
        ...(id === undefined ? { createOnly: true } : { ifMatch }),
      });
      return { outcome: out.outcome, id: out.item.id, etag: etagOf(out.item), warnings: verdict.warnings };
    } catch (e) {
      if (!(e instanceof JobConflictError)) throw e;
      const status = { exists: 409, 'not-found': 404, precondition: 412, owner: 409, busy: 409 }[e.code];
      throw new HttpProblem(status, e.code, e.message);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const host = req.headers.host ?? '';
    if (!options.anyHost && !allowedHosts.has(host))
      throw new HttpProblem(421, 'WrongHost', `this dashboard answers only as ${[...allowedHosts][0]}`);
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && (path === '/' || path === '/index.html')) {
      return send(res, 200, page(files.html, token), 'text/html; charset=utf-8');
    }
    if (method === 'GET' && path === '/assets/app.js')
      return send(res, 200, files.js, 'text/javascript; charset=utf-8');
    if (method === 'GET' && path === '/assets/app.css') return send(res, 200, files.css, 'text/css; charset=utf-8');
    if (!path.startsWith('/api/')) throw new HttpProblem(404, 'NotFound', `no page ${path}`);
    if (method !== 'GET') {
      if (req.headers['x-cloud-cron-token'] !== token)
        throw new HttpProblem(
          403,
          'Forbidden',
          'a change needs the token of the page this server gave (reload the page)',
        );
      const origin = req.headers.origin;
      if (origin !== undefined && origin.replace(/^http:\/\//, '') !== host)
        throw new HttpProblem(403, 'Forbidden', `requests from ${origin} are refused`);
    }
    if (method === 'GET' && path === '/api/jobs') return json(res, 200, await loadDashboard(sources, now()));
    const jobRoute = /^\/api\/jobs\/([^/]+)(?:\/(run|pause|resume))?$/.exec(path);
    if (jobRoute) {
      const key = decodeURIComponent(jobRoute[1]);
      const action = jobRoute[2];
      const parsed = parseKey(key);
      if (!parsed) throw new HttpProblem(404, 'NotFound', `no job ${key}`);
      if (!action && method === 'GET') {
        const detail = await loadDetail(sources, key, now());
        if (!detail) throw new HttpProblem(404, 'NotFound', `no job ${key}`);
        return json(res, 200, detail);
      }
      if (!action || method !== 'POST')
        throw new HttpProblem(405, 'MethodNotAllowed', `${method} ${path} is not a route`);
      const at = now();
      if (parsed.kind === 'stack') {
        if (action !== 'run')
          throw new HttpProblem(
            400,
            'NotARegistryJob',
            `${parsed.name} is a stack job: pause or resume it with its stack's ScheduleState parameter`,
          );
        if ('unavailable' in sources.runs) throw new HttpProblem(503, 'NoRuns', sources.runs.unavailable);
        const registration = await sources.runs.store.getRegistration(parsed.name);
        if (!registration) throw new HttpProblem(404, 'NotFound', `no job ${key}`);
        const { requestId } = await actions.runStackJob(registration, at);
        options.log?.(`run now: ${parsed.name} (request ${requestId})`);
        return json(res, 202, { job: key, status: 'queued', requestId });
      }
      const registry = registryOrThrow();
      if (action === 'run') {
        if (!(await registry.store.getJobItem(parsed.name))) throw new HttpProblem(404, 'NotFound', `no job ${key}`);
        const { executionId } = await actions.runRegistryJob(parsed.name, at);
        options.log?.(`run now: ${parsed.name} (execution ${executionId})`);
        return json(res, 202, { job: key, status: 'queued', executionId });
      }
      try {
        await registry.store.setPaused(parsed.name, action === 'pause', at);
      } catch (e) {
        if (e instanceof JobConflictError) throw new HttpProblem(404, 'NotFound', `no job ${key}`);
        throw e;
      }
      options.log?.(`${action}: ${parsed.name}`);
      return json(res, 200, await loadDetail(sources, key, now()));
    }
    if (method === 'POST' && path === '/api/registry') {
      return json(res, 201, await write(await readBody(req), undefined, undefined));
    }
    const put = /^\/api\/registry\/([^/]+)$/.exec(path);
    if (method === 'PUT' && put) {
      const ifMatch = req.headers['if-match'];
      return json(res, 200, await write(await readBody(req), decodeURIComponent(put[1]), ifMatch?.trim()));
    }
    throw new HttpProblem(404, 'NotFound', `${method} ${path} is not a route`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof HttpProblem) {
        json(res, e.status, { code: e.code, message: e.message, ...(e.errors ? { errors: e.errors } : {}) });
        return;
      }
      const message = (e as Error)?.message ?? String(e);
      options.log?.(`error: ${req.method} ${req.url}: ${message}`);
      json(res, 502, { code: (e as Error)?.name ?? 'Error', message: `AWS refused or failed: ${message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  allowedHosts = new Set([`${shown}:${port}`, `localhost:${port}`]);
  return {
    url: `http://${shown}:${port}/`,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
