/**
 * Turns check results into the messages of the contract (contract.ts): the JSON body, the SNS Subject and the
 * message attributes the channels' filter policies match.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { CheckResult, JobMessage, JobMessageAttributes, MessageType, Severity } from './contract';

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
export const MAX_SUBJECT = 100;

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

export function buildMessage(type: MessageType, job: string, runAt: string, results: CheckResult[]): JobMessage {
  const counts = countResults(results);
  return {
    version: 1,
    type,
    severity: severityOf(results),
    job,
    runAt,
    title: titleOf(job, counts),
    summary: summaryOf(results),
    counts,
    results: type === 'alert' ? results.filter((r) => r.status !== 'up') : results,
  };
}

/** The SNS Subject: printable ASCII on one line, at most 100 characters; alerts start with their severity. */
export function subjectOf(message: JobMessage): string {
  const prefix = message.type === 'alert' ? `[${message.severity.toUpperCase()}] ` : '';
  const ascii = `${prefix}${message.title}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return ascii.length <= MAX_SUBJECT ? ascii : `${ascii.slice(0, MAX_SUBJECT - 3)}...`;
}

export function attributesOf(message: JobMessage): JobMessageAttributes {
  return { type: message.type, severity: message.severity, job: message.job, down: message.counts.down };
}

/** The attributes in SNS's wire shape. */
export function snsAttributes(attributes: JobMessageAttributes): Record<string, MessageAttributeValue> {
  return {
    type: { DataType: 'String', StringValue: attributes.type },
    severity: { DataType: 'String', StringValue: attributes.severity },
    job: { DataType: 'String', StringValue: attributes.job },
    down: { DataType: 'Number', StringValue: String(attributes.down) },
  };
}
