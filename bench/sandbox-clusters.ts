/**
 * `npx tsx bench/sandbox-clusters.ts`: what a sandbox cluster costs. Figures, not assertions (the machine
 * is shared): per run, CreateCluster → ACTIVE (its control plane started and reported), a 3-node group →
 * its Nodes, the control plane's resident memory, DeleteCluster → gone; then the emulator's CPU time spent
 * answering the fleet's polling while nothing changes.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFor } from '../core/adapters/kube/kube-clients';
import { present } from '../core/kernel/invariant';
import { ensureNetworkAndRole } from '../local/sandbox/aws-fixtures';
import { FLEET_IDLE_ROUND_MS } from '../local/sandbox/cluster-fleet';
import { SANDBOX_CREDENTIALS, startStack } from '../local/sandbox/sandbox';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Long enough to average over many polling rounds. */
const IDLE_SECONDS = 10;
/** Linux reports process CPU time in clock ticks of 1/100 s. */
const TICKS_PER_SECOND = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(20);
  }
}

/** Pid of the process whose arguments contain every one of `parts` (not a shell wrapping it). */
function pidOf(...parts: string[]): number {
  const line = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .find((l) => parts.every((p) => l.includes(p)) && !/^\d+\s+sh /.test(l));
  if (!line) throw new Error(`no process with ${parts.join(' ')}`);
  return Number(line.split(/\s+/)[0]);
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const cpuSeconds = (pid: number) => {
  const [, afterName = ''] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ');
  const fields = afterName.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
};

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-clusters-bench-'));
  const t0 = performance.now();
  const stack = await startStack({ dir, progress: (m) => process.stderr.write(`[bench] ${m}\n`) });
  const lines = [
    `sandbox clusters (stack with the sandbox cluster up in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  ];
  const aws = { region: stack.region, endpoint: stack.awsEndpoint, credentials: SANDBOX_CREDENTIALS };
  const eks = new EKSClient(aws);
  try {
    const fixtures = await ensureNetworkAndRole(aws);
    for (let run = 1; run <= RUNS; run++) {
      const name = `bench-${run}`;
      const started = performance.now();
      await eks.send(
        new CreateClusterCommand({
          name,
          roleArn: fixtures.roleArn,
          resourcesVpcConfig: { subnetIds: fixtures.subnetIds },
        }),
      );
      const cluster = await until(async () => {
        const { cluster: c } = await eks.send(new DescribeClusterCommand({ name }));
        return c?.status === 'ACTIVE' ? c : undefined;
      });
      const active = performance.now();
      await eks.send(
        new CreateNodegroupCommand({
          clusterName: name,
          nodegroupName: 'ng',
          nodeRole: fixtures.roleArn,
          subnets: fixtures.subnetIds,
          scalingConfig: { minSize: 0, maxSize: 3, desiredSize: 3 },
        }),
      );
      const core = kubeConfigFor(name, {
        server: present(cluster.endpoint, "an ACTIVE cluster's endpoint"),
        caData: cluster.certificateAuthority?.data,
        token: stack.controlPlane.token,
      }).makeApiClient(CoreV1Api);
      await until(async () => ((await core.listNode()).items.length === 3 ? true : undefined));
      const nodes = performance.now();
      await sleep(2000); // settle before reading memory
      const rss = rssMiB(pidOf('kube-control-plane-', `/clusters/${name} `));
      const deleting = performance.now();
      await eks.send(new DeleteNodegroupCommand({ clusterName: name, nodegroupName: 'ng' }));
      await eks.send(new DeleteClusterCommand({ name }));
      await until(() =>
        eks.send(new DescribeClusterCommand({ name })).then(
          () => undefined,
          (e) => (e.name === 'ResourceNotFoundException' ? true : undefined),
        ),
      );
      const gone = performance.now();
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      lines.push(
        `  run ${run}: CreateCluster → ACTIVE ${s(active - started)}, node group of 3 → Nodes ${s(nodes - active)}, ` +
          `control plane RSS ${rss.toFixed(0)} MiB, DeleteCluster → gone ${s(gone - deleting)}`,
      );
    }
    const moto = pidOf('tools/moto/server.py', `-p ${new URL(stack.awsEndpoint).port}`);
    const before = cpuSeconds(moto);
    await sleep(IDLE_SECONDS * 1000);
    const used = cpuSeconds(moto) - before;
    lines.push(
      `  idle (1 cluster, 1 node group, a round every ${FLEET_IDLE_ROUND_MS} ms without changes = 4 EKS calls): emulator CPU ` +
        `${((used / IDLE_SECONDS) * 100).toFixed(1)} % of one core`,
    );
    console.log(lines.join('\n'));
  } finally {
    eks.destroy();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
