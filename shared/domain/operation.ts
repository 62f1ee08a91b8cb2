import type { ScaleRecord } from './scaling/records';

/** A long-running piece of work (one workflow execution) as the API reports it. */
export type OperationKind = 'ProvisionCluster' | 'DeleteCluster' | 'ScaleNodegroup';
export type OperationStatus = 'Running' | 'Succeeded' | 'Failed';

export interface OperationStep {
  name: string;
  at: string;
  detail?: string;
}

export interface Operation {
  id: string;
  kind: OperationKind;
  cluster: string;
  status: OperationStatus;
  steps: OperationStep[];
  error?: { code: string; message: string };
  createdAt: string;
  updatedAt: string;
  /** Optimistic-lock counter: every write expects the version it read. */
  version: number;
  /** ScaleNodegroup only: who asked, from what sizes to what, and what the change saw. */
  scale?: ScaleRecord;
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
export function finished(
  operation: Operation,
  outcome: { error?: { code: string; message: string } },
  now: Date,
): Operation {
  if (operation.status !== 'Running') return operation;
  return {
    ...operation,
    status: outcome.error ? 'Failed' : 'Succeeded',
    error: outcome.error,
    updatedAt: now.toISOString(),
  };
}
