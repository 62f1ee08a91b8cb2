/**
 * `npx tsx bench/fault-proxy-overhead.ts`: what the fault proxy itself costs per call, with no faults
 * (rate 0), so the chaos tests' timings can be read against it. Figures, not assertions: direct vs
 * proxied, sequential calls, p50 and p99 in ms, for DynamoDB GetItem (HTTP) and a Kubernetes list (HTTPS).
 */

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFor } from '../core/adapters/kube/kube-clients';
import { SANDBOX_CREDENTIALS, startStack } from '../local/sandbox/sandbox';
import { startFaultProxy } from '../tools/fault-proxy/fault-proxy';
import { percentile } from './stats';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
/** Calls before measuring: connection set-up and JIT warm-up are not the proxy's steady cost. */
const WARMUP = 20;

async function timed(call: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await call();
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = process.hrtime.bigint();
    await call();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function main() {
  const stack = await startStack({
    dir: mkdtempSync(path.join(os.tmpdir(), 'eksflow-proxy-bench-')),
    progress: (m) => process.stderr.write(`[bench] ${m}\n`),
  });
  const aws = await startFaultProxy({ upstream: stack.awsEndpoint, kind: 'aws' });
  const kube = await startFaultProxy({
    upstream: stack.controlPlane.server,
    kind: 'kube',
    ca: Buffer.from(stack.controlPlane.caData ?? '', 'base64').toString('utf8'),
  });
  try {
    const dynamo = (endpoint: string) =>
      new DynamoDBClient({ region: stack.region, endpoint, credentials: SANDBOX_CREDENTIALS });
    await dynamo(stack.awsEndpoint).send(
      new CreateTableCommand({
        TableName: 'bench',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const get = (client: DynamoDBClient) => () =>
      client.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: 'x' } } }));
    const list = (server: string) => {
      const core = kubeConfigFor('bench', { ...stack.controlPlane, server }).makeApiClient(CoreV1Api);
      return () => core.listNamespace({ limit: 1 });
    };
    const rows = [
      ['DynamoDB GetItem', await timed(get(dynamo(stack.awsEndpoint))), await timed(get(dynamo(aws.url)))],
      ['Kubernetes list', await timed(list(stack.controlPlane.server)), await timed(list(kube.url))],
    ] as const;
    process.stdout.write(`fault proxy overhead, ${CALLS} sequential calls each, rate 0 (ms)\n`);
    for (const [name, direct, proxied] of rows) {
      process.stdout.write(
        `${name.padEnd(18)} direct p50 ${direct.p50.toFixed(2)} p99 ${direct.p99.toFixed(2)} | proxied p50 ${proxied.p50.toFixed(2)} p99 ${proxied.p99.toFixed(2)} | +${(proxied.p50 - direct.p50).toFixed(2)} at p50\n`,
      );
    }
  } finally {
    await Promise.all([aws.close(), kube.close()]);
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
