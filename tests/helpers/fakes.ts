// In-memory test doubles of the ports, shared by the use-case and workflow tests.
import {
  type AccessGrant,
  type ClusterInfo,
  type ClusterSpec,
  type ClusterStatus,
  OPERATION_TAG,
} from '../../shared/domain/cluster';
import { ConflictError } from '../../shared/errors';
import type { ClusterApi, CreateClusterOptions } from '../../shared/ports/cluster-api';
import type { ClusterBaseline } from '../../shared/ports/kube';
import type { ExecutionState, WorkflowName, WorkflowStarter } from '../../shared/ports/workflows';

/** EKS as a map of clusters; create/delete calls are recorded. Same-operation re-create is a no-op, like EksClusterApi. */
export class FakeClusterApi implements ClusterApi {
  readonly clusters = new Map<string, ClusterInfo>();
  readonly created: Array<{ spec: ClusterSpec; operationId: string }> = [];
  readonly deleted: string[] = [];
  readonly createOptions: Array<CreateClusterOptions | undefined> = [];
  readonly grants: Array<{ cluster: string; grant: AccessGrant }> = [];

  add(name: string, status: ClusterStatus, tags: Record<string, string> = {}): this {
    this.clusters.set(name, { name, status, tags });
    return this;
  }

  async createCluster(spec: ClusterSpec, operationId: string, options?: CreateClusterOptions): Promise<void> {
    this.createOptions.push(options);
    const existing = this.clusters.get(spec.name);
    if (existing) {
      if (existing.tags[OPERATION_TAG] !== operationId) throw new ConflictError(`cluster ${spec.name} already exists`);
      return;
    }
    this.created.push({ spec, operationId });
    this.clusters.set(spec.name, {
      name: spec.name,
      status: 'CREATING',
      tags: { ...spec.tags, [OPERATION_TAG]: operationId },
    });
  }

  async describeCluster(name: string): Promise<ClusterInfo | undefined> {
    const cluster = this.clusters.get(name);
    return cluster && structuredClone(cluster);
  }

  async grantAccess(cluster: string, grant: AccessGrant): Promise<void> {
    this.grants.push({ cluster, grant });
  }

  async deleteCluster(name: string): Promise<void> {
    this.deleted.push(name);
    this.clusters.delete(name);
  }
}

/** Records starts; every started execution counts as RUNNING until `end(name)` says it stopped. */
export class FakeWorkflowStarter implements WorkflowStarter {
  readonly started: Array<{ workflow: WorkflowName; executionName: string; input: object }> = [];
  readonly ended = new Set<string>();
  failWith?: Error;

  async start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }> {
    if (this.failWith) throw this.failWith;
    this.started.push({ workflow, executionName, input });
    return { executionId: `${workflow}:${executionName}` };
  }

  readonly stopped: Array<{ workflow: WorkflowName; executionName: string }> = [];

  async stop(workflow: WorkflowName, executionName: string): Promise<void> {
    this.stopped.push({ workflow, executionName });
  }

  async status(workflow: WorkflowName, executionName: string): Promise<ExecutionState> {
    if (!this.started.some((s) => s.workflow === workflow && s.executionName === executionName)) return 'NOT_FOUND';
    return this.ended.has(executionName) ? 'ENDED' : 'RUNNING';
  }

  /** The execution stopped (succeeded, failed, timed out…). */
  end(executionName: string): void {
    this.ended.add(executionName);
  }
}

/** Namespaces per cluster; `ensureNamespace` calls are recorded. */
export class FakeClusterBaseline implements ClusterBaseline {
  readonly namespaces = new Map<string, Map<string, Record<string, string>>>();
  readonly calls: Array<{ cluster: string; name: string }> = [];

  async ensureNamespace(cluster: string, name: string, labels: Record<string, string>): Promise<'created' | 'exists'> {
    this.calls.push({ cluster, name });
    const inCluster = this.namespaces.get(cluster) ?? new Map<string, Record<string, string>>();
    this.namespaces.set(cluster, inCluster);
    if (inCluster.has(name)) return 'exists';
    inCluster.set(name, labels);
    return 'created';
  }

  readonly rolloutAccess: Array<{ cluster: string; group: string; namespaces: string[] }> = [];
  async ensureRolloutAccess(cluster: string, group: string, namespaces: string[]): Promise<void> {
    this.rolloutAccess.push({ cluster, group, namespaces });
  }
}

/** A clock that only moves when told to. */
export function fixedClock(iso: string) {
  const clock = {
    ms: new Date(iso).getTime(),
    now: () => new Date(clock.ms),
    advance: (ms: number) => {
      clock.ms += ms;
    },
  };
  return clock;
}
