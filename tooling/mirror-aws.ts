/**
 * The mirror's AWS surroundings on moto_server, for its integration tests and benchmark:
 * - a loopback proxy in front of moto that records CodeBuild calls, converts the ISO timestamps moto returns for
 *   builds into the epoch seconds the real API (and so the SDK) uses, and can black-hole chosen API operations
 *   (accept the request, never answer), as a hung endpoint would;
 * - a black-hole TCP server (accepts connections, never answers);
 * - the pending-request table created exactly as template-mirror.yaml declares it (keys, index, TTL).
 */

import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket } from 'node:net';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Template } from './cfn-yaml';

export type MotoProxy = {
  endpoint: string;
  /** Every CodeBuild request and moto's answer (moto keeps no environment overrides: read them here). */
  codebuildCalls: { target: string; body: Record<string, unknown>; response: Record<string, unknown> }[];
  /** Operations (X-Amz-Target suffix, e.g. `DescribeImages`) that get no answer while listed. */
  blackHoled: Set<string>;
  close(): Promise<void>;
};

function epochTimestamps(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && /(Time|^created|^lastModified)$/.test(key) && !Number.isNaN(Date.parse(value))) {
    return Date.parse(value) / 1000;
  }
  if (Array.isArray(value)) return value.map((v) => epochTimestamps(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochTimestamps(v, k)]));
  }
  return value;
}

export async function motoProxy(target: string): Promise<MotoProxy> {
  const codebuildCalls: MotoProxy['codebuildCalls'] = [];
  const blackHoled = new Set<string>();
  const hung = new Set<import('node:http').ServerResponse>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      if (blackHoled.has(amzTarget.split('.')[1] ?? '')) {
        hung.add(res);
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: body.length ? body : undefined,
      });
      let out = Buffer.from(await upstream.arrayBuffer());
      if (amzTarget.startsWith('CodeBuild_20161006.')) {
        const answer = upstream.ok
          ? (epochTimestamps(JSON.parse(out.toString('utf8'))) as Record<string, unknown>)
          : {};
        codebuildCalls.push({
          target: amzTarget.split('.')[1],
          body: JSON.parse(body.toString('utf8') || '{}'),
          response: answer,
        });
        if (upstream.ok) out = Buffer.from(JSON.stringify(answer));
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    codebuildCalls,
    blackHoled,
    close: () =>
      new Promise<void>((r) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type BlackHole = { endpoint: string; connections(): number; close(): Promise<void> };

/** A TCP server on loopback that accepts every connection and never sends a byte. */
/** The environment overrides a build was started with (what BatchGetBuilds shows on AWS), from the recorded calls. */
export function startedEnvironment(proxy: MotoProxy, buildId: string): { name: string; value: string }[] | undefined {
  const call = proxy.codebuildCalls.find(
    (c) => c.target === 'StartBuild' && (c.response.build as { id?: string } | undefined)?.id === buildId,
  );
  return call?.body.environmentVariablesOverride as { name: string; value: string }[] | undefined;
}

export async function blackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createTcpServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

type TableProperties = {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
};

/** Creates the mirror's PendingRequests table on an emulator as the template declares it. */
export async function createPendingTable(ddb: DynamoDBClient, tableName: string, template: Template): Promise<string> {
  const props = template.Resources.PendingRequests?.Properties as TableProperties | undefined;
  if (!props) throw new Error('the template has no PendingRequests resource');
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
    }),
  );
  if (props.TimeToLiveSpecification) {
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: props.TimeToLiveSpecification }),
    );
  }
  return tableName;
}
