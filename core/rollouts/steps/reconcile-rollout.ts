import { readingAlarmsOnce } from '../../alarms/queries/alarm-reads';
import { NotFoundError } from '../../kernel/errors';
import { ConflictBudget } from '../../kernel/retry';
import { alarmsOf } from '../domain/alarms';
import { failed } from '../domain/transitions';
import { isActive, type Rollout } from '../domain/types';
import { type RolloutDeps, type RolloutRunInput, saveRollout, startRun, withFreshRollout } from '../rollout-deps';
import { abortPass, beginAbort } from './abort-steps';
import { blueGreenPass } from './blue-green-pass';
import { canaryPass } from './canary-pass';
import { finished, type PassResult } from './pass-result';

export type { PassResult } from './pass-result';

/** Bounds the steps one task invocation goes straight on through, however many complete at once. */
const MAX_STEPS_PER_TASK = 10;
/**
 * How long one task may poll for pods itself before handing over to the workflow's Wait: well inside the 30 s
 * Lambda timeout, and long enough that a step whose pods start in seconds costs one task, not a Wait loop.
 */
const IN_TASK_WAIT_MS = 10_000;
/**
 * Poll intervals inside a task: the first polls are quick (a pod that is Ready in milliseconds, as most restored
 * stable pods are, is noticed at once), then they back off so a slow start costs few reads.
 */
const IN_TASK_FIRST_POLL_MS = 50;
const IN_TASK_MAX_POLL_MS = 1000;
/**
 * Passes one execution makes before it continues as a new run. A loop iteration writes about 10 history
 * events (Task, Choice, Wait), so 1,000 passes stay far below Step Functions' 25,000-event limit.
 */
export const MAX_PASSES_PER_EXECUTION = 1000;
/** Version clashes one task absorbs (aborts, promotes, someone else's writes) before the workflow's Retry takes over. */
const MAX_CONFLICTS_PER_TASK = 5;

/**
 * One reconcile task (Argo Rollouts' shape): read the rollout and the cluster, make progress, save. Idempotent:
 * re-running a pass after a crash repeats no effect, and a pass that lost a race (an abort, a promote, someone
 * else's write to the cluster) reads again and decides again.
 */
export async function reconcileRollout(deps: RolloutDeps, input: RolloutRunInput): Promise<PassResult> {
  // Every pass of this invocation (steps that complete at once, in-task polls for pods) judges the alarms as
  // they were at its first read: DescribeAlarms is account-wide and single-digit per second, and an alarm that
  // fires meanwhile reaches the rollout through its event at once.
  deps = readingAlarmsOnce(deps);
  const passes = (input.passes ?? 0) + 1;
  const started = Date.now();
  const conflicts = new ConflictBudget(`rollout ${input.rolloutId}`, MAX_CONFLICTS_PER_TASK);
  let steps = 0;
  let pollMs = IN_TASK_FIRST_POLL_MS;
  for (;;) {
    const r = await deps.rollouts.get(input.rolloutId);
    if (!r) throw new NotFoundError(`rollout ${input.rolloutId} not found`);
    let result: PassResult;
    try {
      result = await pass(deps, r, input.run);
    } catch (error) {
      conflicts.spend(error);
      continue; // someone else wrote: decide again from what they wrote
    }
    if (result.done) return { ...result, passes };
    // A step that completes asks for no wait: go straight on instead of paying a Choice + Wait + Task round trip.
    if (result.waitSeconds === 0 && ++steps < MAX_STEPS_PER_TASK) continue;
    const pollable = result.waitingFor === 'pods' && Date.now() - started + pollMs < IN_TASK_WAIT_MS;
    if (pollable && deps.sleep) {
      await deps.sleep(pollMs);
      pollMs = Math.min(IN_TASK_MAX_POLL_MS, pollMs * 2);
      continue;
    }
    if (passes >= MAX_PASSES_PER_EXECUTION) return continueAsNewRun(deps, input, result);
    return { ...result, passes };
  }
}

async function pass(deps: RolloutDeps, r: Rollout, run: number): Promise<PassResult> {
  // An outdated run does nothing at all: a newer run (promote, abort, resume) or a newer rollout owns the cluster now.
  if (run !== r.run || !isActive(r)) return finished(r);
  if (r.phase === 'Aborting') return abortPass(deps, r);
  if (r.status === 'Paused' && !r.pause?.until && !r.promoteRequest) return finished(r);

  const alarmNames = alarmsOf(r.request).all;
  const states = alarmNames.length ? await deps.alarms.states(alarmNames) : {};
  const firing = r.alarms.find((a) => states[a] === 'ALARM');
  if (firing) return beginAbort(deps, r, `alarm ${firing} is in ALARM`, firing);

  const stable = await deps.workloads.getDeployment(r.cluster, r.namespace, r.deployment);
  if (!stable) {
    const message = `Deployment ${r.namespace}/${r.deployment} disappeared`;
    return finished(await saveRollout(deps, r, failed(r, deps.now(), message)));
  }
  return r.strategy === 'canary' ? canaryPass(deps, r, stable, states) : blueGreenPass(deps, r, stable, states);
}

/**
 * Continue-as-new: before one execution's history grows near Step Functions' limit, the rollout takes the next
 * run number and a fresh execution; this one ends. Long pauses and slow pods never break a rollout.
 */
async function continueAsNewRun(deps: RolloutDeps, input: RolloutRunInput, last: PassResult): Promise<PassResult> {
  return withFreshRollout(deps, input.rolloutId, async (r) => {
    if (r.run !== input.run || !isActive(r)) return finished(r);
    const next = await deps.rollouts.save({ ...r, run: r.run + 1, updatedAt: deps.now().toISOString() });
    await startRun(deps, next);
    return { ...last, done: true, waitSeconds: 0, passes: 0 };
  });
}
