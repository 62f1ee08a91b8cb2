import type { PlanItem } from '../../clusters/domain/plan';
import type { ScaleRecord } from '../../scaling/domain/records';
import type { WorkHeader } from './work';

/**
 * A long-running piece of work (one workflow execution, or a retry of it) as the API reports it.
 * Kinds are open: each area adds its own (e.g. scaling's node-group changes).
 */
export type OperationKind = 'ProvisionCluster' | 'DeleteCluster' | 'ScaleNodegroup' | (string & {});
export type OperationStatus = 'Running' | 'Succeeded' | 'Failed';

export interface OperationStep {
  name: string;
  at: string;
  detail?: string;
}

/** Something an operation made, recorded as it makes it: a rollback deletes exactly these. */
export interface CreatedResource {
  type: 'controlPlane' | 'nodegroup' | 'addon' | 'accessEntry' | 'namespace';
  name: string;
}

export interface OperationError {
  code: string;
  message: string;
  /** The workflow step that failed; `POST /operations/{id}/retry` resumes there. */
  step?: string;
  /** What existed when it failed (EKS's view), so a person knows what is left. */
  exists?: Record<string, unknown>;
}

/** What the operation cost: Step Functions bills state transitions; Lambda bills invocations. */
export interface OperationCost {
  /** Task invocations by task name. */
  invocations: Record<string, number>;
  /** State transitions of the operation's workflow runs (filled in when read). */
  transitions?: number;
}

export interface Operation {
  id: string;
  kind: OperationKind;
  cluster: string;
  status: OperationStatus;
  steps: OperationStep[];
  error?: OperationError;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-lock counter: every write expects the version it read. */
  version: number;
  // Optional fields (each area adds its own at the end).
  /** At most one running operation holds a lock (e.g. `cluster:<name>`): a second gets a 409 naming the first. */
  lock?: string;
  created?: CreatedResource[];
  /** Differences EKS cannot change in place (e.g. a node group's instance type): reported, not acted on. */
  warnings?: string[];
  plan?: PlanItem[];
  cost?: OperationCost;
  /** Workflow runs: 1, then one more per retry (each run is its own execution). */
  runs?: number;
  /** The workflow input of the run, kept for a retry. */
  input?: unknown;
  /** The rollback after a failure deleted what this operation created. */
  rolledBack?: boolean;
  /** ScaleNodegroup only: who asked, from what sizes to what, and what the change saw. */
  scale?: ScaleRecord;
}

/** The operation's latest run: 1 until a retry or a resume starts another (records written before `runs` lack it). */
export const runOf = (operation: Pick<Operation, 'runs'>): number => operation.runs ?? 1;

/**
 * What an update of `current` writes: `change`'s result one version on, or undefined when the change was already
 * applied (it returned `current` itself), so there is nothing to write.
 */
export function nextVersion(current: Operation, change: (current: Operation) => Operation): Operation | undefined {
  const next = change(current);
  return next === current ? undefined : { ...next, version: current.version + 1 };
}

/** The operation as the kernel's sweep sees it. */
export function operationWork(operation: Operation): WorkHeader {
  return {
    kind: operation.kind,
    id: operation.id,
    run: runOf(operation),
    running: operation.status === 'Running',
    updatedAt: operation.updatedAt,
  };
}

export function newOperation(id: string, kind: OperationKind, cluster: string, now: Date): Operation {
  const at = now.toISOString();
  return { id, kind, cluster, status: 'Running', steps: [], createdAt: at, updatedAt: at, version: 0 };
}

/** Adds a step unless it is already there, so a step that runs twice is recorded once. */
export function withStep(operation: Operation, step: OperationStep): Operation {
  if (operation.steps.some((s) => s.name === step.name)) return operation;
  return { ...operation, steps: [...operation.steps, step], updatedAt: step.at };
}

/** Ends the operation; ending it again keeps the first outcome (events may be delivered twice). */
export function finished(operation: Operation, outcome: { error?: OperationError }, now: Date): Operation {
  if (operation.status !== 'Running') return operation;
  return {
    ...operation,
    status: outcome.error ? 'Failed' : 'Succeeded',
    error: outcome.error,
    updatedAt: now.toISOString(),
  };
}

/** Records a created resource once (a step re-run after a crash records it again: no duplicate). */
export function withCreated(operation: Operation, resource: CreatedResource): Operation {
  const created = operation.created ?? [];
  if (created.some((r) => r.type === resource.type && r.name === resource.name)) return operation;
  return { ...operation, created: [...created, resource] };
}

export function withWarning(operation: Operation, warning: string): Operation {
  const warnings = operation.warnings ?? [];
  if (warnings.includes(warning)) return operation;
  return { ...operation, warnings: [...warnings, warning] };
}

/** Counts one task invocation (every attempt is billed, so a retried step counts again). */
export function withInvocation(operation: Operation, task: string): Operation {
  const invocations = { ...(operation.cost?.invocations ?? {}) };
  invocations[task] = (invocations[task] ?? 0) + 1;
  return { ...operation, cost: { ...operation.cost, invocations } };
}

/** A failed operation, running again from its failed step. */
export function retried(operation: Operation, now: Date): Operation {
  return {
    ...operation,
    status: 'Running',
    error: undefined,
    runs: runOf(operation) + 1,
    rolledBack: undefined,
    updatedAt: now.toISOString(),
  };
}
