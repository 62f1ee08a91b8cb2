/**
 * The API's answers as the CLI and the dashboard read them (docs/openapi.json). Declared here, not
 * imported from the server's code: the CLI is a client of the HTTP API only.
 */
export type RolloutStatus = 'Progressing' | 'Paused' | 'Promoted' | 'Aborted' | 'Failed';

export interface HistoryEntry {
  at: string;
  type: string;
  message: string;
  stepIndex?: number;
  alarm?: string;
}

export interface RolloutView {
  id: string;
  cluster: string;
  namespace: string;
  deployment: string;
  strategy: 'canary' | 'blueGreen';
  status: RolloutStatus;
  phase: string;
  currentStepIndex?: number;
  currentStep?: string;
  steps?: Record<string, any>[];
  weights: { canary: number; stable: number };
  pause?: { reason: string; until?: string };
  abort?: { reason: string; alarm?: string; at: string; failure?: boolean };
  image?: string;
  alarms: string[];
  history?: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  createdBy?: string;
}

/** `GET /rollouts/{id}/live`: what the cluster and CloudWatch show now. */
export interface RolloutLive {
  stable?: { desired: number; ready: number };
  canary?: { desired: number; ready: number };
  alarms: Record<string, string>;
}

export interface Operation {
  id: string;
  kind: string;
  cluster: string;
  status: 'Running' | 'Succeeded' | 'Failed';
  steps: { name: string; at: string; detail?: string }[];
  error?: { code: string; message: string; step?: string };
  createdAt: string;
  updatedAt: string;
  /** ScaleNodegroup only: who asked, from which sizes to which. */
  scale?: {
    nodegroup: string;
    requestedBy: string;
    from: NodegroupSizes;
    to: NodegroupSizes;
    podsRescheduled?: number;
  };
}

export interface NodegroupSizes {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export const FINISHED_ROLLOUT: readonly RolloutStatus[] = ['Promoted', 'Aborted', 'Failed'];
export const isFinished = (r: Pick<RolloutView, 'status'>) => FINISHED_ROLLOUT.includes(r.status);
