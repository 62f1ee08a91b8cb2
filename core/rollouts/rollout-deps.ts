import type { AlarmStates, VerifiedAlarmChanges } from '../alarms/ports/alarms';
import { VersionConflictError } from '../kernel/errors';
import { CORRELATION_ID, type Logger } from '../kernel/logger';
import type { EventPublisher } from '../kernel/ports/events';
import { retryOnConflict } from '../kernel/retry';
import { rolloutMetricPoints } from '../metrics/metric-points';
import type { Metrics } from '../metrics/ports/metrics';
import { runName } from '../operations/domain/work';
import type { WorkflowStarter } from '../operations/ports/workflows';
import { rolloutNotFound } from './domain/rollout-errors';
import { transitionEvents } from './domain/rollout-events';
import type { Rollout } from './domain/types';
import type { MetricData } from './ports/metric-data';
import type { RolloutStore } from './ports/rollout-store';
import type { Ingresses, LoadBalancers } from './ports/traffic';
import type { Workloads } from './ports/workloads';
import { publishWritten } from './steps/rollout-outbox';

export interface RolloutDeps {
  rollouts: RolloutStore;
  workloads: Workloads;
  /** ALB canaries: the Ingress that carries the weights, and the load balancer they are read back from. */
  ingresses: Ingresses;
  loadBalancers: LoadBalancers;
  alarms: AlarmStates;
  /** Metric analysis steps: CloudWatch GetMetricData. */
  metricData: MetricData;
  /** Alarm changes already confirmed against CloudWatch: their duplicates are answered from the store. */
  verifiedChanges: VerifiedAlarmChanges;
  events: EventPublisher;
  workflows: WorkflowStarter;
  logger: Logger;
  /** Rollouts started, promoted, aborted, failed, alarm → stable: recorded where the transition is saved. */
  metrics: Metrics;
  now: () => Date;
  /**
   * Lets a task wait a little for pods inside one invocation instead of a workflow Wait round trip (three
   * billed transitions and seconds of latency). Absent in unit tests, which drive passes one by one.
   */
  sleep?: (ms: number) => Promise<void>;
}

/** What the rollout workflow passes to each reconcile. */
export interface RolloutRunInput {
  rolloutId: string;
  run: number;
  /** Reconcile passes this execution has made so far (continue-as-new before the history limit). */
  passes?: number;
}

/**
 * Saves, with one outbox entry per history entry the save adds (same write), then publishes them
 * and clears the outbox. A failed publish leaves them for flushOutbox (at least once: a retried pass
 * or a flush may repeat one, under the same `eventId`).
 */
export async function saveRollout(
  deps: Pick<RolloutDeps, 'rollouts' | 'events' | 'logger' | 'metrics'>,
  before: Rollout,
  after: Rollout,
  /**
   * Given, the events are published alongside what the caller does next, and the promise is handed here for
   * the caller to await: an abort restores stable pods while its events go out (the outbox keeps them either way).
   */
  publishing?: (published: Promise<void>) => void,
): Promise<Rollout> {
  const events = transitionEvents(before, after, after.version + 1);
  const saved = await deps.rollouts.save(after, events);
  // After the conditional write: a transition another writer won is not counted here.
  deps.metrics.record(rolloutMetricPoints(before, saved));
  if (publishing) publishing(publishWritten(deps, events));
  else await publishWritten(deps, events);
  return saved;
}

/**
 * The same deps, logging with the rollout's id as the correlation id: for a handler that works on many
 * rollouts (an alarm's fan-out, the sweep), so that each rollout's lines join those of its API calls and tasks.
 */
export function forRollout<D extends Pick<RolloutDeps, 'logger'>>(deps: D, rolloutId: string): D {
  return { ...deps, logger: deps.logger.withKeys({ [CORRELATION_ID]: rolloutId }) };
}

export function executionName(rollout: Pick<Rollout, 'id' | 'run'>): string {
  return runName(rollout.id, rollout.run, 'rollout');
}

export async function startRun(
  deps: Pick<RolloutDeps, 'workflows'>,
  rollout: Pick<Rollout, 'id' | 'run'>,
): Promise<void> {
  const input: RolloutRunInput = { rolloutId: rollout.id, run: rollout.run };
  await deps.workflows.start('rollout', executionName(rollout), input);
}

/**
 * Optimistic locking: reads the rollout, lets `decide` act and save, and when someone else's write got
 * in between (VersionConflictError) reads again and decides again: `retryOnConflict`, whose last conflict
 * becomes a TransientError. `known`: the record as the caller has just read it (an alarm's fan-out reads every
 * guarded rollout at once), used for the first decision instead of a read; if it is stale, its save conflicts
 * and the next attempt reads.
 */
export async function withFreshRollout<T>(
  deps: Pick<RolloutDeps, 'rollouts'>,
  id: string,
  decide: (r: Rollout) => Promise<T>,
  known?: Rollout,
): Promise<T> {
  return retryOnConflict(`rollout ${id}`, async (n) => {
    const r = n === 0 && known?.id === id ? known : await deps.rollouts.get(id);
    if (!r) throw rolloutNotFound(id);
    return decide(r);
  });
}

/**
 * Stops the execution of an outdated run (deployed: StopExecution), so it bills nothing more. Best effort:
 * an outdated run that is still running does nothing at its next pass anyway.
 */
export async function stopRun(deps: Pick<RolloutDeps, 'workflows' | 'logger'>, rollout: Pick<Rollout, 'id' | 'run'>) {
  try {
    await deps.workflows.stop('rollout', executionName(rollout));
  } catch (error) {
    deps.logger.warn('could not stop an outdated rollout run', { execution: executionName(rollout), error });
  }
}

/**
 * Fence before a write that adds capacity to the new version: the record must still be the one the pass
 * decided from. An abort or promote saved meanwhile makes this a VersionConflictError, and the pass decides
 * again (an outdated run then stops) instead of re-creating what the abort just removed.
 */
export async function assertUnchanged(deps: Pick<RolloutDeps, 'rollouts'>, r: Rollout): Promise<void> {
  const current = await deps.rollouts.get(r.id);
  if (current?.version !== r.version) throw new VersionConflictError(`rollout ${r.id} changed during the pass`);
}
