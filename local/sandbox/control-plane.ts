import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { KubeEndpointOverride } from '../../core/config';
import { type Progress, run, spawnTied, stopTied } from './processes';

export interface ControlPlane extends KubeEndpointOverride {
  server: string;
  /** The static admin token (group system:masters), as `.sandbox/kubeconfig` holds it. */
  token: string;
  kubeconfig: string;
  /** The process (its tied shell's pid), for measuring; undefined when not ours. */
  pid?: number;
  /** Whether the process has ended (crashed, or stopped). */
  exited?: () => boolean;
  /** Resolves when the process ends (the fleet replaces a crashed one at once). */
  whenExited?: Promise<void>;
  stop(): Promise<void>;
}

/** Builds (or finds cached) the Kubernetes test control plane binary; returns its path. */
export async function buildControlPlane(root: string, progress: Progress): Promise<string> {
  // A prebuilt binary (e.g. while working on tools/kube-control-plane itself).
  if (process.env.EKSFLOW_KUBE_CONTROL_PLANE_BIN) return process.env.EKSFLOW_KUBE_CONTROL_PLANE_BIN;
  const out = await run('bash', [path.join(root, 'tools', 'kube-control-plane', 'build.sh')], { cwd: root, progress });
  const binary = out.trim().split('\n').pop();
  if (!binary) throw new Error('tools/kube-control-plane/build.sh printed no binary path');
  return binary;
}

export interface ControlPlaneOptions {
  /**
   * Seconds from a simulated pod's start until it is Ready, for pods without the
   * `sandbox.eksflow.io/ready-after-seconds` annotation (the binary's `--ready-after-seconds`; default 0).
   */
  readyAfterSeconds?: number;
  /**
   * Generic simulated Nodes the binary makes itself (its `--nodes`, default 1). The sandbox's clusters pass 0:
   * their Nodes are their EKS node groups' (cluster-fleet.ts).
   */
  nodes?: number;
  /**
   * EKS's authentication and authorization of the cluster (eks-authenticator.ts): the API server's token webhook
   * and its authorization webhook after RBAC. Unset: only the static admin token authenticates.
   */
  webhooks?: { authenticate: string; authorize: string };
  /** A binary already built (the fleet builds once and starts many). */
  binary?: string;
  timeoutMs?: number;
}

/**
 * Starts etcd + kube-apiserver + the deployment/replicaset/GC/namespace controllers + simulated
 * nodes (tools/kube-control-plane) and waits for its ready line.
 */
export async function startControlPlane(
  root: string,
  dir: string,
  progress: Progress,
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  const timeoutMs = options.timeoutMs ?? 120000;
  const binary = options.binary ?? (await buildControlPlane(root, progress));
  mkdirSync(dir, { recursive: true });
  progress('starting the Kubernetes control plane');
  const readiness =
    options.readyAfterSeconds === undefined ? [] : ['--ready-after-seconds', String(options.readyAfterSeconds)];
  const nodes = options.nodes === undefined ? [] : ['--nodes', String(options.nodes)];
  const webhooks = options.webhooks
    ? ['--authentication-webhook', options.webhooks.authenticate, '--authorization-webhook', options.webhooks.authorize]
    : [];
  const child = spawnTied(binary, ['--dir', dir, ...readiness, ...nodes, ...webhooks]);
  const whenExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const ready = await new Promise<{ server: string; caData: string; token: string; kubeconfig: string }>(
    (resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new Error(`control plane not ready within ${timeoutMs} ms\n${stderr}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (c: Buffer) => {
        buffer += c.toString();
        const line = buffer.split('\n').find((l) => l.includes('"ready"'));
        if (!line) return;
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`control plane exited with ${code}\n${stderr}`));
      });
    },
  );
  return {
    ...ready,
    pid: child.pid,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    whenExited,
    stop: () => stopTied(child, 10000),
  };
}
