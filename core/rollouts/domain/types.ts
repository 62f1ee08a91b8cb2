import type { Measurement, MetricSpec } from './metric-analysis';
/** A Kubernetes pod template as plain JSON (what the Deployment API returns and accepts). */
export type PodTemplate = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string; image?: string }[] } & Record<string, unknown>;
} & Record<string, unknown>;

/**
 * How big the canary is, apart from its traffic weight (ALB routing only): a replica count, a percent of N, or as
 * many replicas as its weight's share of N (the default).
 */
export type CanaryScale = { replicas: number } | { weight: number } | { matchTrafficWeight: true };

/** A canary step: exactly one field set (Argo Rollouts' shape). */
export type CanaryStep =
  | { setWeight: number }
  | { pause: { duration?: string } }
  | { analysis: { alarms?: string[]; metrics?: MetricSpec[] } }
  | { setCanaryScale: CanaryScale };

/**
 * The canary's traffic goes through an ALB: the AWS Load Balancer Controller's Ingress `ingress`, whose rule sends
 * `rootService` to the actions annotation; eksflow writes the weights of `stableService` and `canaryService` there.
 */
export interface AlbRouting {
  ingress: string;
  rootService: string;
  servicePort: number;
}

export type NoDataPolicy = 'pass' | 'pause' | 'fail';

export interface AnalysisSpec {
  /** CloudWatch alarms that guard the rollout for its whole life. */
  alarms: string[];
  /** What INSUFFICIENT_DATA means at a step boundary. */
  noData: NoDataPolicy;
}

export interface CanarySpec {
  /** `replicas`: the share of Ready pods is the share of traffic. `alb`: exact weights on the load balancer. */
  trafficRouting: 'replicas' | { alb: AlbRouting };
  /** ALB routing: the Services whose target groups take stable's and the canary's weights. */
  stableService?: string;
  canaryService?: string;
  /**
   * ALB routing: how long the canary stays up after an abort took its weight away, so that its connections drain
   * (absent: ABORT_SCALE_DOWN_DELAY_SECONDS).
   */
  abortScaleDownDelaySeconds?: number;
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
export type PauseReason = 'Step' | 'NoData' | 'AwaitingPromotion' | 'ExternalChange' | 'TrafficNotApplied';

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
  | 'TrafficShifted'
  | 'Measured'
  | 'Aborting'
  | 'Aborted'
  | 'Failed';

export interface HistoryEvent {
  at: string;
  type: HistoryType;
  message: string;
  stepIndex?: number;
  alarm?: string;
  /** A metric measurement (`Measured`), or the metric that failed or paused the rollout: its value and condition. */
  metric?: {
    name: string;
    value: number | null;
    operator: string;
    threshold: number;
    result: string;
    dryRun?: boolean;
  };
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
    /**
     * Blue-green: blue's `pod-template-hash`, added to the active selector so green's pods are never selected early.
     * ALB canary: stable's, added to the stable Service's selector so that its target group holds stable pods only.
     */
    podTemplateHash?: string;
    /** ALB canary: the stable and canary Services' selectors before the rollout touched them. */
    stableServiceSelector?: Record<string, string>;
    canaryServiceSelector?: Record<string, string>;
  };
  /** ALB canary: the size `setCanaryScale` last asked for (absent: as its weight). */
  canaryScale?: CanaryScale;
  /** A canary analysis step's metric measurements so far (the step it belongs to; cleared when a step completes). */
  metricRun?: { stepIndex: number; startedAt: string; measurements: Measurement[] };
  /** ALB canary: the canary weight last written to the Ingress, and when (the load balancer must show it in time). */
  albWrite?: { canary: number; at: string };
  /** The new version's pod template (labels carry the revision). */
  newTemplate: PodTemplate;
  /** Label value that tells the new version's pods apart. */
  revision: string;
  /** Percent of traffic on each version: of Ready pods (replicas routing), or as the load balancer showed it (ALB). */
  weights: { canary: number; stable: number };
  alarms: string[];
  /** Why and when the rollout went back to stable; `failure` when a failing workflow made it (it ends `Failed`). */
  abort?: {
    reason: string;
    alarm?: string;
    at: string;
    failure?: boolean;
    /** ALB canary: when the load balancer was first seen sending everything to stable (the canary's delay counts from it). */
    trafficRestoredAt?: string;
  };
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
  /** The rollout this one retries (`POST /rollouts/{id}/retry`): the same release, started again. */
  retryOf?: string;
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

/** Argo Rollouts' default for `abortScaleDownDelaySeconds`. */
export const ABORT_SCALE_DOWN_DELAY_SECONDS = 30;

/** The canary's ALB routing, when its traffic goes through an ALB. */
export function albRoutingOf(rollout: Rollout): AlbRouting | undefined {
  const routing = rollout.strategy === 'canary' ? rollout.request.canary.trafficRouting : 'replicas';
  return routing === 'replicas' ? undefined : routing.alb;
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
