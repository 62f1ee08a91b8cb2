import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type Cluster,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import { type ControlPlane, startControlPlane } from './control-plane';
import { EksAuthenticator } from './eks-authenticator';
import { changesAfter } from './emulator-changes';
import { kubeconfigYaml } from './kubeconfig';
import type { NodegroupShape } from './nodes/node-manifest';
import { NodeSequence, syncNodes } from './nodes/node-sync';
import type { Progress } from './processes';

/**
 * The fleet reads the clusters and node groups again when the emulator counts an EKS change (its long-poll,
 * tools/moto/changes.py), when a control plane exits or someone waits for `settled`, and at least this often
 * (a control plane that failed to start is retried, deleted Nodes come back). Each round is one ListClusters, and
 * per cluster one DescribeCluster, one ListNodegroups and one DescribeNodegroup per group: polling every 250 ms
 * instead was most of the emulator's CPU while clusters lived.
 */
export const FLEET_IDLE_ROUND_MS = 5000;
/** The Nodes are checked at least this often even if no node group changed (someone deleted a Node). */
const NODE_REPAIR_MS = 5000;
/** A control plane that failed to start is tried again after this long (the machine may be busy). */
const START_RETRY_MS = 5000;

export interface ClusterFleetOptions {
  /** Repository root (finds tools/kube-control-plane). */
  root: string;
  /** Per-cluster state goes to `<dir>/<cluster>/` (etcd, certificates), wiped when the cluster goes. */
  dir: string;
  aws: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /**
   * The sandbox's AWS endpoint, which EKS tokens are presigned for and sent to (GetCallerIdentity); default: the
   * emulator's. The clusters' access entries are always read from the emulator itself.
   */
  awsEndpoint?: string;
  binary: string;
  readyAfterSeconds?: number;
  /** Rewritten whenever a cluster's control plane comes or goes: one context per cluster. */
  kubeconfigPath?: string;
  /** The context that is current in the kubeconfig, when that cluster exists. */
  currentContext?: string;
  progress: Progress;
  /** The longest a round waits for a change (default FLEET_IDLE_ROUND_MS). */
  idleRoundMs?: number;
  /**
   * Runs on each new control plane of a cluster (a replaced one too) before the emulator hears it answers, so
   * before anyone sees the cluster ACTIVE: what EKS or the cluster's creator would have set up there.
   */
  prepareCluster?: (name: string, controlPlane: ControlPlane) => Promise<void>;
  /**
   * The controllers AWS runs for a cluster beside its control plane (the sandbox's AWS Load Balancer Controller):
   * told when a cluster's control plane runs (a replaced one too) and when it goes.
   */
  controllers?: {
    attach(name: string, controlPlane: ControlPlane): Promise<void>;
    detach(name: string): Promise<void>;
  };
}

/** A control plane process, started under a slot name (its state directory and webhook path) before its cluster is
 * known: the fleet's spare is one. */
interface Started {
  slot: string;
  dir: string;
  controlPlane: ControlPlane;
}

interface Member {
  /** The cluster's ARN and creation time: a cluster deleted and created again under its name is another one. */
  identity: string;
  state: 'starting' | 'running' | 'stopping' | 'failed';
  controlPlane?: ControlPlane;
  /** Where its control plane runs; undefined until it started. */
  started?: Started;
  core?: CoreV1Api;
  /** The node groups as last applied to the Nodes (JSON); undefined: not yet, or to be checked again. */
  applied?: string;
  /** The last polling round whose node groups the Nodes match. */
  syncedRound?: number;
  sequence: NodeSequence;
  failedAt?: number;
}

/**
 * The sandbox's EKS: one local Kubernetes control plane per cluster on the emulator, whoever created the
 * cluster (our workflow, the AWS CLI). It polls the emulator (TypeScript rather than an emulator hook:
 * starting and stopping processes belongs with the sandbox that owns them and stops them, and the
 * emulator stays a plain AWS API), starts a control plane for a CREATING cluster and reports its endpoint
 * and CA to the emulator (the cluster becomes ACTIVE), stops it when the cluster is DELETING (then the
 * cluster goes), and keeps each cluster's Nodes in step with its node groups.
 */
export class ClusterFleet {
  private readonly eks: EKSClient;
  private readonly members = new Map<string, Member>();
  private readonly idleRoundMs: number;
  private running = false;
  private loop?: Promise<void>;
  private round = 0;
  /** Ends the current wait for a change: something here needs a round now. */
  private waking = new AbortController();
  private lastRepairAt = Date.now();
  /** Control planes being started: stop() waits for them, so none outlives the fleet. */
  private readonly launches = new Set<Promise<unknown>>();
  /**
   * One control plane started ahead of need, from the first cluster on: the next cluster takes it, and its
   * creator waits for its node groups rather than for a process start (3-4 s, most of a cluster's creation here).
   */
  private spare?: { slot: string; starting: Promise<Started | undefined> };
  private slots = 0;
  private kubeconfigText = '';
  /** Every cluster's API server authenticates callers through it, as EKS does: tokens and access entries. */
  readonly authenticator: EksAuthenticator;

  constructor(private readonly options: ClusterFleetOptions) {
    this.eks = new EKSClient(options.aws);
    this.idleRoundMs = options.idleRoundMs ?? FLEET_IDLE_ROUND_MS;
    this.authenticator = new EksAuthenticator({
      awsEndpoint: options.awsEndpoint ?? options.aws.endpoint,
      emulator: options.aws,
      controlPlane: (cluster) => this.controlPlane(cluster),
      onError: options.progress,
    });
  }

  /** Tells the emulator that clusters wait for their control plane here, then starts polling. */
  async start(): Promise<void> {
    await this.authenticator.start();
    await this.internal('manage', {});
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled(this.launches);
    const spare = await this.spare?.starting;
    this.spare = undefined;
    await Promise.allSettled([...this.members.values()].map((m) => m.controlPlane?.stop()));
    await spare?.controlPlane.stop();
    this.members.clear();
    await this.authenticator.stop();
    this.eks.destroy();
  }

  /** The running control plane of a cluster, if there is one. */
  controlPlane(cluster: string): ControlPlane | undefined {
    const member = this.members.get(cluster);
    return member?.state === 'running' ? member.controlPlane : undefined;
  }

  /**
   * Resolves once the cluster's control plane runs and its Nodes match its node groups as they were
   * when this was called (a round that began after the call has synced them).
   */
  async settled(cluster: string, timeoutMs = 120000): Promise<ControlPlane> {
    const deadline = Date.now() + timeoutMs;
    const calledIn = this.round;
    this.wake();
    while (Date.now() < deadline) {
      const member = this.members.get(cluster);
      if (member?.state === 'running' && (member.syncedRound ?? 0) > calledIn && member.controlPlane)
        return member.controlPlane;
      await sleep(50);
    }
    throw new Error(`cluster ${cluster}'s control plane did not settle within ${timeoutMs} ms`);
  }

  private async run(): Promise<void> {
    let seen = 0;
    while (this.running) {
      // The count is read before the round: a change made during it ends the next wait at once.
      seen = await this.changesAfter(seen, 0);
      await this.pollOnce().catch((error) => this.options.progress(`cluster fleet: ${(error as Error).message}`));
      if (this.running) seen = await this.changesAfter(seen, this.idleRoundMs);
    }
  }

  /** Starts a round now (or ends the wait of the one about to start). */
  private wake(): void {
    this.waking.abort();
  }

  /**
   * The emulator's EKS change count once it is above `after`, or `after` itself when `waitMs` passes, the fleet is
   * woken or the emulator does not answer (the round then runs anyway).
   */
  private async changesAfter(after: number, waitMs: number): Promise<number> {
    const waking = this.waking;
    try {
      const seq = await changesAfter(this.options.aws.endpoint, 'eks', after, waitMs, waking.signal);
      if (seq === undefined && !waking.signal.aborted) await sleep(Math.min(waitMs, 1000));
      return seq ?? after;
    } finally {
      if (waking.signal.aborted) this.waking = new AbortController();
    }
  }

  private async pollOnce(): Promise<void> {
    this.round++;
    if (Date.now() - this.lastRepairAt >= NODE_REPAIR_MS) {
      this.lastRepairAt = Date.now();
      for (const member of this.members.values()) member.applied = undefined;
    }
    const names = await this.listClusters();
    await Promise.all(names.map((name) => this.follow(name)));
    for (const [name, member] of this.members) {
      // Gone from the emulator without passing DELETING here (e.g. a reset): stop what is left.
      if (!names.includes(name) && member.state !== 'starting') await this.retire(name, member);
    }
    this.writeKubeconfig();
  }

  private async listClusters(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.eks.send(new ListClustersCommand({ nextToken }));
      names.push(...(page.clusters ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  }

  private async follow(name: string): Promise<void> {
    const cluster = await this.eks
      .send(new DescribeClusterCommand({ name }))
      .then((r) => r.cluster)
      .catch(() => undefined);
    if (!cluster?.arn) return;
    const identity = `${cluster.arn}@${cluster.createdAt?.toISOString()}`;
    let member = this.members.get(name);
    if (member && member.identity !== identity && member.state !== 'starting') {
      // Deleted and created again between two rounds: a new cluster, a new control plane.
      await this.retire(name, member);
      member = undefined;
    }
    if (cluster.status === 'DELETING') {
      if (member && member.state !== 'starting') await this.retire(name, member);
      if (!this.members.has(name)) await this.internal('deleted', { arn: cluster.arn }).catch(() => undefined);
      return;
    }
    if (!member || (member.state === 'failed' && Date.now() - (member.failedAt ?? 0) > START_RETRY_MS)) {
      this.launch(name, cluster.arn, identity);
      return;
    }
    if (member.state !== 'running' || !member.controlPlane) return;
    if (member.controlPlane.exited?.()) {
      this.options.progress(`control plane of cluster ${name} exited; starting a new one`);
      this.members.delete(name);
      return;
    }
    if (cluster.endpoint !== member.controlPlane.server) await this.report(cluster, member.controlPlane);
    await this.syncNodes(name, member);
  }

  /** Starts the cluster's control plane in the background (a few seconds) and reports it when it answers. */
  private launch(name: string, arn: string, identity: string): void {
    const member: Member = { identity, state: 'starting', sequence: new NodeSequence() };
    this.members.set(name, member);
    const started = Date.now();
    this.options.progress(`starting the control plane of cluster ${name}`);
    const launching = (async () => {
      try {
        const taken = await this.takeControlPlane(name);
        member.started = taken;
        const { controlPlane } = taken;
        this.startSpare();
        if (this.members.get(name) !== member || !this.running) {
          await this.discard(taken);
          return;
        }
        // Before anyone sees the cluster ACTIVE: its access policies act from the first request.
        await this.authenticator.prepare(name, controlPlane);
        await this.options.prepareCluster?.(name, controlPlane);
        member.controlPlane = controlPlane;
        // A control plane that dies is replaced at the next round: start it now.
        void controlPlane.whenExited?.then(() => this.wake());
        member.core = kubeConfigFor(name, controlPlane).makeApiClient(CoreV1Api);
        member.state = 'running';
        // The kubeconfig has the cluster's context before anyone sees the cluster ACTIVE.
        this.writeKubeconfig();
        await this.options.controllers?.attach(name, controlPlane);
        await this.report({ name, arn }, controlPlane);
        this.options.progress(
          `cluster ${name}: control plane at ${controlPlane.server} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } catch (error) {
        member.state = 'failed';
        member.failedAt = Date.now();
        this.writeKubeconfig();
        if (member.started) await this.discard(member.started);
        member.started = undefined;
        member.controlPlane = undefined;
        // A cluster deleted while its control plane started is not a failure: the next round retires it.
        const deleted = (error as Error).message.includes('DELETING');
        this.options.progress(
          deleted
            ? `cluster ${name} was deleted while its control plane started`
            : `cluster ${name}: control plane failed to start: ${(error as Error).message}`,
        );
      }
    })();
    this.track(launching);
  }

  /**
   * The spare when there is one that still runs (waiting for it if it is still starting), else a new start; either
   * is bound to the cluster before it is awaited, so that its process can be found while it starts (a spare still
   * starting too). Taken synchronously: two clusters launched in one round never share the spare.
   */
  private async takeControlPlane(name: string): Promise<Started> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      this.bind(name, spare.slot);
      const ready = await spare.starting;
      if (ready && !ready.controlPlane.exited?.()) return ready;
      if (ready) await this.discard(ready);
      else this.authenticator.unbind(spare.slot);
    }
    const slot = this.nextSlot();
    this.bind(name, slot);
    return this.startControlPlane(slot).catch((error: unknown) => {
      // Nothing runs there: the retry starts under a new slot (the cluster's link follows it).
      this.authenticator.unbind(slot);
      rmSync(path.join(this.options.dir, slot), { recursive: true, force: true });
      throw error;
    });
  }

  /** Starts the next cluster's control plane now, unless one is already waiting or starting. */
  private startSpare(): void {
    if (this.spare || !this.running) return;
    const slot = this.nextSlot();
    const starting = this.startControlPlane(slot).catch((error: Error) => {
      this.options.progress(`a spare control plane failed to start: ${error.message}`);
      return undefined;
    });
    this.spare = { slot, starting };
    this.track(starting);
  }

  private nextSlot(): string {
    this.slots += 1;
    return `.control-plane-${this.slots}`;
  }

  private async startControlPlane(slot: string): Promise<Started> {
    const dir = path.join(this.options.dir, slot);
    rmSync(dir, { recursive: true, force: true });
    const controlPlane = await startControlPlane(this.options.root, dir, () => undefined, {
      binary: this.options.binary,
      readyAfterSeconds: this.options.readyAfterSeconds,
      nodes: 0,
      webhooks: this.authenticator.webhooks(slot),
    });
    return { slot, dir, controlPlane };
  }

  /**
   * Gives a control plane (started, or about to be) to a cluster: its API server's webhooks now speak for the
   * cluster, and `<dir>/<cluster>` links to its state directory (how a person, or a test, finds its process).
   */
  private bind(name: string, slot: string): void {
    this.authenticator.bind(slot, name);
    const link = path.join(this.options.dir, name);
    mkdirSync(this.options.dir, { recursive: true });
    rmSync(link, { recursive: true, force: true });
    symlinkSync(slot, link);
  }

  private async discard(started: Started): Promise<void> {
    this.authenticator.unbind(started.slot);
    await started.controlPlane.stop();
    rmSync(started.dir, { recursive: true, force: true });
  }

  private track(launching: Promise<unknown>): void {
    this.launches.add(launching);
    void launching.finally(() => this.launches.delete(launching));
  }

  private async report(cluster: Pick<Cluster, 'name' | 'arn'>, controlPlane: ControlPlane): Promise<void> {
    await this.internal('control-plane', {
      arn: cluster.arn,
      endpoint: controlPlane.server,
      caData: controlPlane.caData,
    });
  }

  private async retire(name: string, member: Member): Promise<void> {
    if (member.state === 'stopping') return;
    member.state = 'stopping';
    this.options.progress(`stopping the control plane of cluster ${name}`);
    await this.options.controllers?.detach(name);
    if (member.started) await this.discard(member.started);
    rmSync(path.join(this.options.dir, name), { force: true });
    if (this.members.get(name) === member) this.members.delete(name);
    // Before the emulator hears that the cluster is gone.
    this.writeKubeconfig();
  }

  private async syncNodes(name: string, member: Member): Promise<void> {
    const nodegroups = await this.nodegroupsOf(name);
    const wanted = JSON.stringify(nodegroups);
    const round = this.round;
    if (!member.core) return;
    if (member.applied === wanted) {
      member.syncedRound = round;
      return;
    }
    const result = await syncNodes(member.core, nodegroups, this.options.aws.region, member.sequence);
    member.applied = wanted;
    member.syncedRound = round;
    const changes = Object.entries(result).filter(([, names]) => names.length > 0);
    if (changes.length > 0)
      this.options.progress(`cluster ${name}: nodes ${changes.map(([k, names]) => `${k} ${names.length}`).join(', ')}`);
  }

  private async nodegroupsOf(cluster: string): Promise<NodegroupShape[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.eks.send(new ListNodegroupsCommand({ clusterName: cluster, nextToken }));
      names.push(...(page.nodegroups ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const groups = await Promise.all(
      names.map((nodegroupName) =>
        this.eks
          .send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName }))
          .then((r) => ({ name: nodegroupName, g: r.nodegroup })),
      ),
    );
    return groups
      .flatMap(({ name, g }) => {
        if (!g || g.status === 'DELETING') return [];
        const [instanceType = 't3.medium', ...more] = g.instanceTypes ?? [];
        return [
          {
            name,
            desiredSize: g.scalingConfig?.desiredSize ?? 0,
            instanceTypes: [instanceType, ...more] satisfies NodegroupShape['instanceTypes'],
            capacityType: g.capacityType ?? 'ON_DEMAND',
            amiType: g.amiType,
            diskSize: g.diskSize,
            labels: g.labels ?? {},
            taints: (g.taints ?? []).map((t) => ({
              key: t.key ?? '',
              value: t.value,
              effect: t.effect ?? 'NO_SCHEDULE',
            })),
          },
        ];
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private writeKubeconfig(): void {
    if (!this.options.kubeconfigPath) return;
    const clusters = [...this.members.entries()]
      .flatMap(([name, { state, controlPlane }]) =>
        state === 'running' && controlPlane
          ? [{ name, server: controlPlane.server, caData: controlPlane.caData ?? '' }]
          : [],
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const token = [...this.members.values()].find((m) => m.controlPlane)?.controlPlane?.token ?? '';
    const text = kubeconfigYaml(clusters, token, this.options.currentContext);
    if (text === this.kubeconfigText) return;
    writeFileSync(this.options.kubeconfigPath, text, { mode: 0o600 });
    this.kubeconfigText = text;
  }

  private async internal(action: string, body: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${this.options.aws.endpoint}/_eksflow/eks/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${action}: ${response.status} ${await response.text()}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
