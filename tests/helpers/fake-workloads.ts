// In-memory test doubles of the rollout ports: Workloads (Deployments + Services), AlarmStates, EventPublisher.

import { createHash } from 'node:crypto';
import type { AlarmStates } from '../../core/alarms/ports/alarms';
import type { AlarmState } from '../../core/alarms/requests/alarm-event';
import { VersionConflictError } from '../../core/kernel/errors';
import type { EventPublisher, TransitionEvent } from '../../core/kernel/ports/events';
import type { PodTemplate } from '../../core/rollouts/domain/types';
import type { DeploymentView, NewDeployment, ServiceView, Workloads } from '../../core/rollouts/ports/workloads';

export type WorkloadCall =
  | { op: 'createDeployment'; name: string; replicas: number }
  | { op: 'setReplicas'; name: string; replicas: number }
  | { op: 'setTemplate'; name: string; replicas: number; image?: string }
  | { op: 'deleteDeployment'; name: string }
  | { op: 'setServiceSelector'; name: string; selector: Record<string, string> };

interface FakeDeployment {
  name: string;
  uid: string;
  resourceVersion: number;
  replicas: number;
  selector: Record<string, string>;
  template: PodTemplate;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generation: number;
  observedGeneration: number;
  status: DeploymentView['status'];
}

interface FakeService {
  selector: Record<string, string>;
  resourceVersion: number;
}

const key = (cluster: string, namespace: string, name: string) => `${cluster}/${namespace}/${name}`;

/** A stand-in for the ReplicaSet hash the Deployment controller derives from the template. */
export function fakePodTemplateHash(template: PodTemplate): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

/**
 * A Kubernetes cluster as maps. Writes change `spec` (and bump `generation` and `resourceVersion`) only, and
 * refuse a stale view (VersionConflictError, like the adapter on a 409); `settle()` plays the Deployment
 * controller: status catches up with spec, pods become Ready unless an image contains "unready".
 * Every write is recorded, in order, in `calls`.
 */
export class FakeWorkloads implements Workloads {
  readonly namespaces = new Set<string>();
  readonly deployments = new Map<string, FakeDeployment>();
  readonly services = new Map<string, FakeService>();
  readonly calls: WorkloadCall[] = [];
  private versions = 0;

  addNamespace(cluster: string, namespace: string): this {
    this.namespaces.add(`${cluster}/${namespace}`);
    return this;
  }

  /** A Deployment whose pods are all Ready (status settled). */
  addDeployment(
    cluster: string,
    namespace: string,
    name: string,
    options: {
      replicas: number;
      template: PodTemplate;
      selector: Record<string, string>;
      labels?: Record<string, string>;
    },
  ): this {
    this.addNamespace(cluster, namespace);
    const replicas = options.replicas;
    this.deployments.set(key(cluster, namespace, name), {
      name,
      uid: `uid-${name}-${++this.versions}`,
      resourceVersion: ++this.versions,
      replicas,
      selector: { ...options.selector },
      template: structuredClone(options.template),
      labels: { ...options.labels },
      annotations: {},
      generation: 1,
      observedGeneration: 1,
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
    });
    return this;
  }

  addService(cluster: string, namespace: string, name: string, selector: Record<string, string>): this {
    this.services.set(key(cluster, namespace, name), { selector: { ...selector }, resourceVersion: ++this.versions });
    return this;
  }

  deployment(cluster: string, namespace: string, name: string): FakeDeployment | undefined {
    return this.deployments.get(key(cluster, namespace, name));
  }

  serviceSelector(cluster: string, namespace: string, name: string): Record<string, string> | undefined {
    return this.services.get(key(cluster, namespace, name))?.selector;
  }

  /** Someone else's write (a person, an HPA): bumps the resourceVersion like any write. */
  edit(cluster: string, namespace: string, name: string, change: (d: FakeDeployment) => void): void {
    const d = this.mustGet(cluster, namespace, name);
    change(d);
    d.generation++;
    d.resourceVersion = ++this.versions;
  }

  /** The Deployment controller catches up: status = spec, Ready unless the image says "unready". */
  settle(): void {
    for (const d of this.deployments.values()) {
      const unready = (d.template.spec?.containers ?? []).some((c) => (c.image ?? '').includes('unready'));
      const ready = unready ? 0 : d.replicas;
      d.status = { replicas: d.replicas, readyReplicas: ready, availableReplicas: ready, updatedReplicas: d.replicas };
      d.observedGeneration = d.generation;
    }
  }

  /** Number of write calls so far (reads are not recorded). */
  get writes(): number {
    return this.calls.length;
  }

  async namespaceExists(cluster: string, namespace: string): Promise<boolean> {
    return this.namespaces.has(`${cluster}/${namespace}`);
  }

  async getDeployment(cluster: string, namespace: string, name: string): Promise<DeploymentView | undefined> {
    const d = this.deployments.get(key(cluster, namespace, name));
    if (!d) return undefined;
    return structuredClone({
      name: d.name,
      uid: d.uid,
      resourceVersion: String(d.resourceVersion),
      labels: d.labels,
      annotations: d.annotations,
      replicas: d.replicas,
      selector: d.selector,
      template: d.template,
      maxUnavailable: Math.floor(d.replicas / 4),
      generation: d.generation,
      observedGeneration: d.observedGeneration,
      status: d.status,
    });
  }

  async createDeployment(cluster: string, namespace: string, deployment: NewDeployment): Promise<'created' | 'exists'> {
    this.calls.push({ op: 'createDeployment', name: deployment.name, replicas: deployment.replicas });
    const k = key(cluster, namespace, deployment.name);
    if (this.deployments.has(k)) return 'exists';
    this.deployments.set(k, {
      name: deployment.name,
      uid: `uid-${deployment.name}-${++this.versions}`,
      resourceVersion: ++this.versions,
      replicas: deployment.replicas,
      selector: { ...deployment.selector },
      template: structuredClone(deployment.template),
      labels: { ...deployment.labels },
      annotations: {},
      generation: 1,
      observedGeneration: 0,
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, updatedReplicas: 0 },
    });
    return 'created';
  }

  async setReplicas(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    replicas: number,
    annotations: Record<string, string> = {},
  ): Promise<void> {
    this.calls.push({ op: 'setReplicas', name: from.name, replicas });
    this.write(cluster, namespace, from, annotations, (d) => {
      d.replicas = replicas;
    });
  }

  async setTemplate(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    template: PodTemplate,
    replicas: number,
    annotations: Record<string, string> = {},
  ): Promise<void> {
    this.calls.push({ op: 'setTemplate', name: from.name, replicas, image: template.spec?.containers?.[0]?.image });
    this.write(cluster, namespace, from, annotations, (d) => {
      d.template = structuredClone(template);
      d.replicas = replicas;
    });
  }

  async deleteDeployment(
    cluster: string,
    namespace: string,
    seen: Pick<DeploymentView, 'name' | 'uid'>,
  ): Promise<void> {
    this.calls.push({ op: 'deleteDeployment', name: seen.name });
    const k = key(cluster, namespace, seen.name);
    const d = this.deployments.get(k);
    if (!d) return;
    if (d.uid !== seen.uid) throw new VersionConflictError(`deployment ${k} is not the one read`);
    this.deployments.delete(k);
  }

  async getService(cluster: string, namespace: string, name: string): Promise<ServiceView | undefined> {
    const s = this.services.get(key(cluster, namespace, name));
    return s && { name, resourceVersion: String(s.resourceVersion), selector: { ...s.selector } };
  }

  async setServiceSelector(
    cluster: string,
    namespace: string,
    from: ServiceView,
    selector: Record<string, string>,
  ): Promise<void> {
    this.calls.push({ op: 'setServiceSelector', name: from.name, selector: { ...selector } });
    const k = key(cluster, namespace, from.name);
    const s = this.services.get(k);
    if (!s) throw new Error(`service ${k} not found`);
    if (String(s.resourceVersion) !== from.resourceVersion) throw new VersionConflictError(`service ${k} changed`);
    s.selector = { ...selector };
    s.resourceVersion = ++this.versions;
  }

  async currentPodTemplateHash(_cluster: string, _namespace: string, d: DeploymentView): Promise<string | undefined> {
    return d.status.updatedReplicas === d.status.replicas ? fakePodTemplateHash(d.template) : undefined;
  }

  /** One spec write as the API server takes it: on the Deployment read (or a conflict), annotations merged, bumped. */
  private write(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    annotations: Record<string, string>,
    change: (d: FakeDeployment) => void,
  ): void {
    const d = this.current(cluster, namespace, from);
    change(d);
    Object.assign(d.annotations, annotations);
    this.bump(d);
  }

  private current(cluster: string, namespace: string, from: DeploymentView): FakeDeployment {
    const d = this.mustGet(cluster, namespace, from.name);
    if (String(d.resourceVersion) !== from.resourceVersion) {
      throw new VersionConflictError(`deployment ${from.name} changed since it was read`);
    }
    return d;
  }

  private bump(d: FakeDeployment): void {
    d.generation++;
    d.resourceVersion = ++this.versions;
  }

  private mustGet(cluster: string, namespace: string, name: string): FakeDeployment {
    const d = this.deployments.get(key(cluster, namespace, name));
    if (!d) throw new Error(`deployment ${key(cluster, namespace, name)} not found`);
    return d;
  }
}

/** CloudWatch alarm states as a map; names not in it do not exist. */
export class FakeAlarmStates implements AlarmStates {
  readonly alarms = new Map<string, AlarmState>();
  readonly queried: string[][] = [];

  set(name: string, state: AlarmState): this {
    this.alarms.set(name, state);
    return this;
  }

  async states(names: string[]): Promise<Record<string, AlarmState>> {
    this.queried.push([...names]);
    const result: Record<string, AlarmState> = {};
    for (const n of names) {
      const s = this.alarms.get(n);
      if (s) result[n] = s;
    }
    return result;
  }
}

export class RecordingEventPublisher implements EventPublisher {
  readonly published: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  /** While true, the bus refuses every event (as EventBridge does for a bus that does not exist). */
  failing = false;

  async publishAll(events: TransitionEvent[]): Promise<Set<string>> {
    if (this.failing) return new Set();
    for (const e of events) this.published.push({ detailType: e.detailType, detail: e.detail });
    return new Set(events.map((e) => e.id));
  }

  async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    if (!this.failing) this.published.push({ detailType, detail });
  }

  types(): string[] {
    return this.published.map((p) => p.detailType);
  }
}
