import type { AlarmState } from '../../alarms/requests/alarm-event';
import { judgeAlarms } from '../domain/analysis';
import { greenName, VERSION_LABEL } from '../domain/names';
import { analysisOf, isOurs, sameJson, sameLabels, withHistory } from '../domain/rollout';
import { paused, promoting } from '../domain/transitions';
import type { BlueGreenRollout, BlueGreenSpec, Rollout } from '../domain/types';
import type { DeploymentView, ServiceView } from '../ports/workloads';
import { type RolloutDeps, saveRollout } from '../rollout-deps';
import { beginAbort } from './abort-steps';
import { again, finished, type PassResult, POD_POLL_SECONDS, remaining } from './pass-result';
import { greenSelector, pinnedSelector } from './restore-stable';
import { ownedBy, replicasNote } from './rollout-ownership';
import {
  createNewVersion,
  finishPromotion,
  followExternalScale,
  pausedForExternalChange,
  pausedForNoData,
  rollNewTemplateOnto,
  waitForPods,
} from './rollout-steps';

/**
 * A blue-green pass. The active Service is pinned to blue's ReplicaSet before green exists, so green's pods,
 * which carry the same app labels, never get production traffic before the switch.
 *   Preview:    green beside blue, on the preview Service; promote (or auto-promotion) switches
 *   Switched:   active selects green; blue stays up for scaleDownDelaySeconds (an abort is an instant switch back)
 *   Finalizing: the Deployment itself rolls to the new template, then green goes
 */
export async function blueGreenPass(
  deps: RolloutDeps,
  current: BlueGreenRollout,
  blue: DeploymentView,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  // The request never changes: read the spec from the narrowed record once, for the passes below.
  const bg = current.request.blueGreen;
  if (current.phase === 'Finalizing') return finalize(deps, current, bg, blue);
  // Our own template write whose answer was lost (the retry met a 409): the scale-down has begun, record it.
  if (current.phase === 'Switched' && isOurs(current, blue.template)) return startFinalizing(deps, current);
  if (!sameJson(blue.template, current.stable.template)) {
    return pausedForExternalChange(deps, current, `the pod template of ${current.deployment}`);
  }
  const r = await followExternalScale(deps, current, blue);
  const active = await deps.workloads.getService(r.cluster, r.namespace, bg.activeService);
  if (!active) return pausedForExternalChange(deps, r, `Service ${bg.activeService} was deleted`);
  return r.phase === 'Switched' ? switched(deps, r, bg, active, blue) : preview(deps, r, bg, active, blue, states);
}

async function preview(
  deps: RolloutDeps,
  r: Rollout,
  bg: BlueGreenSpec,
  active: ServiceView,
  blue: DeploymentView,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  const now = deps.now();
  const N = r.stable.replicas;
  // Only eksflow selects this rollout's revision: a switch whose answer was lost is recorded, not mistaken for an edit.
  if (sameLabels(active.selector, greenSelector(r))) return switchToGreen(deps, r, bg, active, 'switch found applied');
  if (sameLabels(active.selector, r.stable.activeSelector)) {
    await deps.workloads.setServiceSelector(r.cluster, r.namespace, active, pinnedSelector(r));
  } else if (!sameLabels(active.selector, pinnedSelector(r))) {
    return pausedForExternalChange(deps, r, `the selector of Service ${bg.activeService}`);
  }

  const name = greenName(r.deployment);
  const green = await deps.workloads.getDeployment(r.cluster, r.namespace, name);
  if (green && !ownedBy(r, green)) return pausedForExternalChange(deps, r, `Deployment ${name} is not this rollout's`);
  if (!green) await createNewVersion(deps, r, blue, name, N);
  else if (green.replicas !== N) await deps.workloads.setReplicas(r.cluster, r.namespace, green, N);
  if (bg.previewService) {
    const outcome = await pointPreviewAtGreen(deps, r, bg.previewService);
    if (outcome) return outcome;
  }
  if (!green || green.status.readyReplicas < N) return waitForPods(deps, r, r, `green (${name}) pods`);

  if (r.promoteRequest) return switchToGreen(deps, r, bg, active, 'switched by promote');
  if (r.pause?.until && now.getTime() < Date.parse(r.pause.until)) return again(r, remaining(now, r.pause.until));
  const outcome = judgeAlarms(states, r.alarms, analysisOf(r).noData);
  if (outcome.result === 'fail') return beginAbort(deps, r, `analysis failed: ${outcome.message}`, outcome.alarm);
  if (outcome.result === 'pause') return pausedForNoData(deps, r, outcome.message, outcome.alarm);
  if (bg.autoPromotionSeconds === undefined) {
    if (r.status === 'Paused') return finished(r);
    const message = `green is Ready on ${bg.previewService ?? 'its pods'}; waiting for promote`;
    return finished(await saveRollout(deps, r, paused(r, now, 'AwaitingPromotion', message)));
  }
  if (!r.pause?.until && bg.autoPromotionSeconds > 0) {
    const until = new Date(now.getTime() + bg.autoPromotionSeconds * 1000).toISOString();
    const message = `green is Ready; promoting by itself at ${until} if analysis still passes`;
    const next = await saveRollout(deps, r, paused(r, now, 'Step', message, { until }));
    return again(next, bg.autoPromotionSeconds);
  }
  return switchToGreen(deps, r, bg, active, 'promoted automatically: green Ready and analysis passed');
}

/** The preview Service follows green; a selector someone else set there is left alone (and pauses the rollout). */
async function pointPreviewAtGreen(deps: RolloutDeps, r: Rollout, name: string): Promise<PassResult | undefined> {
  const preview = await deps.workloads.getService(r.cluster, r.namespace, name);
  if (!preview) return pausedForExternalChange(deps, r, `Service ${name} was deleted`);
  const target = { ...r.stable.previewSelector, ...greenSelector(r) };
  if (sameLabels(preview.selector, target)) return undefined;
  if (!sameLabels(preview.selector, r.stable.previewSelector)) {
    return pausedForExternalChange(deps, r, `the selector of Service ${name}`);
  }
  await deps.workloads.setServiceSelector(r.cluster, r.namespace, preview, target);
  return undefined;
}

async function switchToGreen(
  deps: RolloutDeps,
  r: Rollout,
  bg: BlueGreenSpec,
  active: ServiceView,
  why: string,
): Promise<PassResult> {
  const now = deps.now();
  if (!sameLabels(active.selector, greenSelector(r))) {
    await deps.workloads.setServiceSelector(r.cluster, r.namespace, active, greenSelector(r));
  }
  const next: Rollout = {
    ...withHistory(r, now, 'Switched', `${bg.activeService} now selects ${VERSION_LABEL}=${r.revision} (${why})`),
    phase: 'Switched',
    status: 'Progressing',
    pause: undefined,
    promoteRequest: undefined,
    stepStartedAt: now.toISOString(),
    weights: { canary: 100, stable: 0 },
  };
  return again(await saveRollout(deps, r, next), bg.scaleDownDelaySeconds);
}

async function switched(
  deps: RolloutDeps,
  r: Rollout,
  bg: BlueGreenSpec,
  active: ServiceView,
  blue: DeploymentView,
): Promise<PassResult> {
  const now = deps.now();
  if (!sameLabels(active.selector, greenSelector(r))) {
    return pausedForExternalChange(deps, r, `the selector of Service ${bg.activeService}`);
  }
  const scaleDownAt = Date.parse(r.stepStartedAt) + bg.scaleDownDelaySeconds * 1000;
  if (now.getTime() < scaleDownAt) return again(r, remaining(now, new Date(scaleDownAt).toISOString()));
  const N = r.stable.replicas;
  await deps.workloads.setTemplate(r.cluster, r.namespace, blue, r.newTemplate, N, replicasNote(r, N));
  return startFinalizing(deps, r);
}

async function startFinalizing(deps: RolloutDeps, r: Rollout): Promise<PassResult> {
  const message = `scale-down delay over: blue replaced by the new version in ${r.deployment}`;
  return again(await saveRollout(deps, r, promoting(r, deps.now(), message, 'Finalizing')), POD_POLL_SECONDS, 'pods');
}

/** The Deployment itself rolls to the new template; then green is redundant. */
async function finalize(deps: RolloutDeps, r: Rollout, bg: BlueGreenSpec, blue: DeploymentView): Promise<PassResult> {
  const waiting = await rollNewTemplateOnto(deps, r, blue);
  if (waiting) return waiting;
  return finishPromotion(deps, r, `${bg.activeService} selects the new version; blue scaled down`);
}
