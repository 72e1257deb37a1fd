/**
 * Turns check results into the messages of the contract (contract.ts): the JSON body, the SNS Subject and the
 * message attributes the channels' filter policies match.
 */
import { type PublishOptions, snsSubject } from '@cloud-cron/job';
import type { CheckResult, JobMessage, JobMessageAttributes, MessageType, Severity } from './contract';

export function countResults(results: CheckResult[]): JobMessage['counts'] {
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  return { checked: results.length, up: count('up'), slow: count('slow'), down: count('down') };
}

/** critical: a critical endpoint is down; warning: anything else not up; info: all up. */
export function severityOf(results: CheckResult[]): Severity {
  if (results.some((r) => r.status === 'down' && r.critical)) return 'critical';
  if (results.some((r) => r.status !== 'up')) return 'warning';
  return 'info';
}

function titleOf(job: string, counts: JobMessage['counts']): string {
  const { checked, slow, down } = counts;
  if (down === 0 && slow === 0) return `${job}: ${checked === 1 ? 'the endpoint is' : `all ${checked} endpoints`} up`;
  const of = `of ${checked} endpoint${checked === 1 ? '' : 's'}`;
  if (down === 0) return `${job}: ${slow} ${of} slow`;
  return `${job}: ${down} ${of} down${slow > 0 ? `, ${slow} slow` : ''}`;
}

function detail(r: CheckResult): string {
  if (r.status === 'slow') return `${r.name} (${r.latencyMs} ms)`;
  return `${r.name} (${r.httpStatus !== null && r.reason?.startsWith('HTTP') ? `HTTP ${r.httpStatus}` : r.reason})`;
}

/** One short line for an SMS: what is down and slow, or that all is well. */
function summaryOf(results: CheckResult[]): string {
  const down = results.filter((r) => r.status === 'down');
  const slow = results.filter((r) => r.status === 'slow');
  const parts: string[] = [];
  if (down.length > 0) parts.push(`DOWN ${down.map(detail).join(', ')}`);
  if (slow.length > 0) parts.push(`SLOW ${slow.map(detail).join(', ')}`);
  if (parts.length === 0) {
    const latencies = results.map((r) => r.latencyMs ?? 0);
    return `all ${results.length} up, slowest ${Math.max(...latencies)} ms`;
  }
  return parts.join('; ');
}

export function buildMessage(
  type: MessageType,
  job: string,
  runAt: string,
  results: CheckResult[],
  scheduledTime: string | null = null,
): JobMessage {
  const counts = countResults(results);
  return {
    version: 1,
    type,
    severity: severityOf(results),
    job,
    runAt,
    scheduledTime,
    title: titleOf(job, counts),
    summary: summaryOf(results),
    counts,
    results: type === 'alert' ? results.filter((r) => r.status !== 'up') : results,
  };
}

/** The SNS Subject: the title, alerts prefixed with their severity; made SNS-safe by the library (ASCII, 100 characters). */
export function subjectOf(message: JobMessage): string {
  const prefix = message.type === 'alert' ? `[${message.severity.toUpperCase()}] ` : '';
  return snsSubject(`${prefix}${message.title}`) ?? message.type;
}

export function attributesOf(message: JobMessage): JobMessageAttributes {
  return { type: message.type, severity: message.severity, job: message.job, down: message.counts.down };
}

/** How the message is published: subject and attributes as the library's publish options. */
export function publishOptionsOf(message: JobMessage): PublishOptions {
  const { type, severity, job, down } = attributesOf(message);
  return { job, type, severity, subject: subjectOf(message), attributes: { down } };
}
