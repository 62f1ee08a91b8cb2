/**
 * The alarm storm through a running sandbox (`npm start`): the same storm as the bench's, sent over the sandbox's
 * HTTP API, to compare its figures with the in-process runtime's. Start the sandbox first (another shell:
 * `npm start`), then `npx tsx bench/alarm-storm-sandbox.ts`. BENCH_STORM_ROLLOUTS (default 50, as the issue's
 * figure), BENCH_STORM_EVENTS (1,000) and PORT (3000) as for the bench and the sandbox. The sandbox's own alarm
 * bridge stays on, so the storm's events come with one more copy of the change: a duplicate like the others.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseEnvFile } from '../cli/endpoint';
import { gateCallCounts } from '../tools/aws-gate/call-counts';
import { byFunction, callsByAction } from './calls';

const ROLLOUTS = Number(process.env.BENCH_STORM_ROLLOUTS ?? 50);
const EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 1000);
const CONCURRENCY = 25;
const SANDBOX_DIR = path.resolve(__dirname, '..', '.sandbox');

/** The sandbox's endpoints, as the test helpers expect them (`EKSFLOW_TEST_STACK`), from `.sandbox/`. */
function sandboxEnv(): { region: string; endpoint: string; accessKeyId: string; secretAccessKey: string } {
  const env = parseEnvFile(readFileSync(path.join(SANDBOX_DIR, 'env'), 'utf8'));
  const value = (key: string) => {
    const found = env[key];
    if (!found) throw new Error(`${SANDBOX_DIR}/env has no ${key}: restart the sandbox (npm start)`);
    return found;
  };
  return {
    region: value('AWS_REGION'),
    endpoint: value('AWS_ENDPOINT_URL'),
    accessKeyId: value('AWS_ACCESS_KEY_ID'),
    secretAccessKey: value('AWS_SECRET_ACCESS_KEY'),
  };
}

function describeSandbox(): string {
  const env = sandboxEnv();
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(path.join(SANDBOX_DIR, 'kubeconfig'));
  const cluster = kubeconfig.getCluster('sandbox');
  const token = kubeconfig.getUser(kubeconfig.getContextObject('sandbox')?.user ?? '')?.token;
  if (!cluster || !token) throw new Error(`${SANDBOX_DIR}/kubeconfig has no sandbox context with a token`);
  return JSON.stringify({
    region: env.region,
    awsEndpoint: env.endpoint,
    // The fixtures (alarms) are made with the admin's keys through the sandbox's one AWS endpoint, the gate: the
    // emulator behind it is not in `.sandbox/env`.
    emulatorEndpoint: env.endpoint,
    controlPlane: { server: cluster.server, caData: cluster.caData, token },
  });
}

async function main() {
  process.env.EKSFLOW_TEST_STACK = describeSandbox();
  // Loaded after the sandbox is described in the environment.
  const storm = await import('../tests/helpers/alarm-storm');
  const sandbox = { url: `http://127.0.0.1:${process.env.PORT ?? 3000}` } as Parameters<typeof storm.runStorm>[0];
  const world = await storm.prepareStorm(sandbox, ROLLOUTS);
  // The gate's counts of the storm's calls (its admin route, with the admin keys of .sandbox/env).
  const env = sandboxEnv();
  const admin = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey, principalArn: '' };
  const calls = (reset = false) => gateCallCounts(env.endpoint, env.region, admin, { reset });
  await calls(true);
  const figures = await storm.runStorm(sandbox, world, { events: EVENTS, concurrency: CONCURRENCY });
  const stormCalls = await calls();
  const counts = [...(await storm.abortCounts(sandbox, world)).values()];
  const p = (q: number) => storm.percentile(figures.latenciesMs, q).toFixed(0);
  console.log(
    [
      `alarm storm through the sandbox's HTTP API (${EVENTS} ALARM events, ${CONCURRENCY} at a time, over ${ROLLOUTS} paused rollouts):`,
      `  handler p50 ${p(50)} ms, p99 ${p(99)} ms, worst ${p(100)} ms; status codes ${JSON.stringify(figures.statuses)}`,
      `  AWS calls of eksflow's functions from the first event until the last stable was restored: ${callsByAction(byFunction(stormCalls))}`,
      `  last stable restored ${(figures.lastStableRestoredMs / 1000).toFixed(2)} s after the first event; aborted exactly once: ${counts.filter((n) => n === 1).length}/${counts.length}`,
    ].join('\n'),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
