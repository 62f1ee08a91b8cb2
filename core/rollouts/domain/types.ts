/** A Kubernetes pod template as plain JSON (what the Deployment API returns and accepts). */
export type PodTemplate = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string; image?: string }[] } & Record<string, unknown>;
} & Record<string, unknown>;

/** A canary step: exactly one field set (Argo Rollouts' shape). */
export type CanaryStep = { setWeight: number } | { pause: { duration?: string } } | { analysis: { alarms?: string[] } };

export type NoDataPolicy = 'pass' | 'pause' | 'fail';

export interface AnalysisSpec {
  /** CloudWatch alarms that guard the rollout for its whole life. */
  alarms: string[];
  /** What INSUFFICIENT_DATA means at a step boundary. */
  noData: NoDataPolicy;
}

export interface CanarySpec {
  trafficRouting: 'replicas';
  steps: CanaryStep[];
  analysis: AnalysisSpec;
}

export interface BlueGreenSpec {
  activeService: string;
  previewService?: string;
  /** Promote by itself this long after green is Ready and analysis passes; absent = wait for `promote`. */
  autoPromotionSeconds?: number;
  /** Blue stays up this long after the switch, so an abort in that window is an instant switch back. */
  scaleDownDelaySeconds: number;
  analysis: AnalysisSpec;
}

/** What every `POST /rollouts` body holds, whatever its strategy. */
interface RolloutRequestBase {
  cluster: string;
  namespace: string;
  deployment: string;
  image?: string;
  /** Container the image applies to; needed only when the pod has several. */
  container?: string;
  /** JSON merge patch applied to the pod template (after `image`). */
  podTemplatePatch?: Record<string, unknown>;
  progressDeadlineSeconds: number;
}

/** A validated canary `POST /rollouts` body: `canary` is set, `blueGreen` never is. */
export interface CanaryRolloutRequest extends RolloutRequestBase {
  canary: CanarySpec;
  blueGreen?: undefined;
}

/** A validated blue-green `POST /rollouts` body: `blueGreen` is set, `canary` never is. */
export interface BlueGreenRolloutRequest extends RolloutRequestBase {
  blueGreen: BlueGreenSpec;
  canary?: undefined;
}

/** A validated `POST /rollouts` body: exactly one strategy. */
export type RolloutRequest = CanaryRolloutRequest | BlueGreenRolloutRequest;

/** The spec of the request's one strategy. */
export function strategySpecOf(request: RolloutRequest): CanarySpec | BlueGreenSpec {
  return request.canary ?? request.blueGreen;
}

export type RolloutStatus = 'Progressing' | 'Paused' | 'Promoted' | 'Aborted' | 'Failed';

/**
 * Where a rollout is within its strategy.
 * canary:     Steps → Promoting (new template onto the stable Deployment) → Done
 * blueGreen:  Preview (green beside blue) → Switched (active points at green; blue kept) → Finalizing → Done
 * Aborting (either strategy): the abort is recorded and stable is being restored; the rollout keeps its
 * Deployment lock until the cluster shows stable serving on its own, then it is `Aborted`.
 */
export type RolloutPhase = 'Steps' | 'Promoting' | 'Preview' | 'Switched' | 'Finalizing' | 'Aborting' | 'Done';

/**
 * Why a rollout waits. `ExternalChange`: someone else changed what the rollout drives (the Deployment's
 * template, a Service selector, a Deployment of ours taken by name); eksflow overwrites nothing and waits
 * for an abort (promotion would overwrite their change, so it is refused).
 */
export type PauseReason = 'Step' | 'NoData' | 'AwaitingPromotion' | 'ExternalChange';

export type HistoryType =
  | 'Started'
  | 'StepStarted'
  | 'StepCompleted'
  | 'Paused'
  | 'Resumed'
  | 'AnalysisPassed'
  | 'Switched'
  | 'Promoting'
  | 'Promoted'
  | 'Rescaled'
  | 'Aborting'
  | 'Aborted'
  | 'Failed';

export interface HistoryEvent {
  at: string;
  type: HistoryType;
  message: string;
  stepIndex?: number;
  alarm?: string;
}

/** What every rollout record holds; `strategy` and `request` are narrowed per strategy below. */
interface RolloutBase {
  id: string;
  cluster: string;
  namespace: string;
  deployment: string;
  status: RolloutStatus;
  phase: RolloutPhase;
  /** Index into the canary steps (Argo's currentStepIndex); equals steps.length once all passed. */
  currentStepIndex: number;
  /** When the current step or phase began: pauses and the progress deadline count from here. */
  stepStartedAt: string;
  pause?: { reason: PauseReason; until?: string };
  /** The stable version as found at the start: what an abort restores. */
  stable: {
    /**
     * N, the total the rollout keeps serving. It follows the Deployment: when someone else (an HPA,
     * `kubectl scale`) changes the stable Deployment's replicas mid-rollout, N becomes their count.
     */
    replicas: number;
    /** The template exactly as the API returned it at the start: any other template there is someone else's edit. */
    template: PodTemplate;
    /** Blue-green: the selectors of the active and preview Services before the rollout touched them. */
    activeSelector?: Record<string, string>;
    previewSelector?: Record<string, string>;
    /** Blue-green: blue's `pod-template-hash`, added to the active selector so green's pods are never selected early. */
    podTemplateHash?: string;
  };
  /** The new version's pod template (labels carry the revision). */
  newTemplate: PodTemplate;
  /** Label value that tells the new version's pods apart. */
  revision: string;
  /** Percent of pods (so of traffic) on each version, as last set. */
  weights: { canary: number; stable: number };
  alarms: string[];
  /** Why and when the rollout went back to stable; `failure` when a failing workflow made it (it ends `Failed`). */
  abort?: { reason: string; alarm?: string; at: string; failure?: boolean };
  /** Set by `promote`; consumed by the next reconcile pass. */
  promoteRequest?: 'step' | 'full';
  /**
   * Workflow run counter. Each start (create, promote, resume after noData) takes the next number and
   * an execution named `<id>-<run>`; an execution whose run is no longer current stops at its next pass.
   */
  run: number;
  history: HistoryEvent[];
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Optimistic-lock counter. */
  version: number;
  /**
   * (api branch, issue 7 item 9) The last few `Idempotency-Key`s of promote requests that acted, with
   * what they asked: a retry with the same key gets the same answer instead of skipping another step.
   */
  promoteKeys?: { key: string; full: boolean; step?: number; at: string }[];
  /** ARN of the IAM principal whose signed request started the rollout (absent on records older than auth). */
  createdBy?: string;
}

export interface CanaryRollout extends RolloutBase {
  strategy: 'canary';
  request: CanaryRolloutRequest;
}

export interface BlueGreenRollout extends RolloutBase {
  strategy: 'blueGreen';
  request: BlueGreenRolloutRequest;
}

/** One rollout record (stored and returned as JSON exactly like this); `strategy` tells which request it holds. */
export type Rollout = CanaryRollout | BlueGreenRollout;

/** The record's `strategy` and `request`, which always agree: the request's one strategy names it. */
export function strategyOf(
  request: RolloutRequest,
): Pick<CanaryRollout, 'strategy' | 'request'> | Pick<BlueGreenRollout, 'strategy' | 'request'> {
  return request.canary ? { strategy: 'canary', request } : { strategy: 'blueGreen', request };
}

export function isBlueGreen(rollout: Rollout): rollout is BlueGreenRollout {
  return rollout.strategy === 'blueGreen';
}

export const ACTIVE_STATUSES: readonly RolloutStatus[] = ['Progressing', 'Paused'];

export function isActive(rollout: Pick<Rollout, 'status'>): boolean {
  return ACTIVE_STATUSES.includes(rollout.status);
}

/** Active and not on its way back to stable: a rollout that promote and the steps still apply to. */
export function isMovingForward(rollout: Pick<Rollout, 'status' | 'phase'>): boolean {
  return isActive(rollout) && rollout.phase !== 'Aborting';
}

export { REVISION_LABEL, VERSION_LABEL } from './names';
