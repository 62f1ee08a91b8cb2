import { bar, clockTime, formatElapsed } from './format';
import type { RolloutLive, RolloutView } from './types';

/** Width of the weight bar: 20 cells, 5 % each, readable in an 80-column terminal. */
const WEIGHT_BAR_CELLS = 20;
/** History lines shown under the view: enough to see how it got here, short enough to fit one screen. */
export const HISTORY_LINES = 5;

const STATUS_MARK: Record<string, string> = {
  Progressing: '◌',
  Paused: '॥',
  Promoted: '✔',
  Aborted: '✖',
  Failed: '⚠',
};

/** `{setWeight: 10}` → `setWeight 10`; `{pause: {duration: "30s"}}` → `pause 30s`; `{pause: {}}` → `pause (until promoted)`. */
export function describeCanaryStep(step: Record<string, any>): string {
  if ('setWeight' in step) return `setWeight ${step.setWeight}`;
  if ('pause' in step) return step.pause?.duration ? `pause ${step.pause.duration}` : 'pause (until promoted)';
  if ('analysis' in step)
    return `analysis${step.analysis?.alarms?.length ? ` ${step.analysis.alarms.join(', ')}` : ''}`;
  return JSON.stringify(step);
}

function statusText(r: RolloutView): string {
  const why = r.pause ? ` (${r.pause.reason}${r.pause.until ? ` until ${clockTime(r.pause.until)}` : ''})` : '';
  const abort = r.abort ? `: ${r.abort.reason}` : '';
  return `${STATUS_MARK[r.status] ?? ''} ${r.status}${why}${abort}`;
}

/** Time in the current step or phase: from the last StepStarted/Paused/Resumed/... entry, else the start. */
export function stepStartedAt(r: RolloutView): string {
  return r.history?.at(-1)?.at ?? r.createdAt;
}

function sideText(name: string, side: { desired: number; ready: number } | undefined): string {
  return side ? `${name} ${side.ready}/${side.desired} ready` : `${name} -`;
}

/**
 * The full-screen view of `rollouts watch` (as `kubectl argo rollouts get --watch`): steps with the current one
 * marked, weights as a bar, Ready/desired of each side, each alarm's state, the last history entries.
 */
export function renderRollout(r: RolloutView, live: RolloutLive | undefined, now: Date): string[] {
  const finished = r.finishedAt !== undefined;
  const inStep = formatElapsed(now.getTime() - Date.parse(stepStartedAt(r)));
  const lines = [
    `Rollout   ${r.id}`,
    `Target    ${r.cluster}/${r.namespace}/${r.deployment}  (${r.strategy === 'canary' ? 'canary' : 'blue-green'})`,
    `Image     ${r.image ?? '(pod template patch)'}`,
    `Status    ${statusText(r)}`,
    `Phase     ${r.phase}${finished ? '' : `  (${inStep} in this ${r.strategy === 'canary' ? 'step' : 'phase'})`}`,
  ];
  if (r.strategy === 'canary' && r.steps) {
    lines.push('Steps');
    r.steps.forEach((step, i) => {
      const current = i === r.currentStepIndex && r.phase === 'Steps';
      const done = (r.currentStepIndex ?? 0) > i || (r.status === 'Promoted' && !current);
      const mark = current ? '▶' : done ? '✔' : ' ';
      lines.push(`  ${mark} ${i}  ${describeCanaryStep(step)}${current && !finished ? `   ← ${inStep}` : ''}`);
    });
  }
  const newSide = r.strategy === 'canary' ? 'canary' : 'green';
  const oldSide = r.strategy === 'canary' ? 'stable' : 'blue';
  lines.push(
    `Weights   ${newSide.padEnd(6)} ${bar(r.weights.canary, WEIGHT_BAR_CELLS)} ${String(r.weights.canary).padStart(3)}%`,
    `          ${oldSide.padEnd(6)} ${bar(r.weights.stable, WEIGHT_BAR_CELLS)} ${String(r.weights.stable).padStart(3)}%`,
    `Replicas  ${sideText(newSide, live?.canary)}   ${sideText(oldSide, live?.stable)}`,
  );
  lines.push(
    `Alarms    ${
      r.alarms.length === 0 ? '(none)' : r.alarms.map((a) => `${a} ${live?.alarms[a] ?? 'unknown'}`).join('   ')
    }`,
  );
  const history = (r.history ?? []).slice(-HISTORY_LINES);
  if (history.length) {
    lines.push('History');
    for (const h of history) lines.push(`  ${clockTime(h.at)}  ${h.type.padEnd(14)} ${h.message}`);
  }
  return lines;
}

/**
 * One line per change, for a pipe or a CI log (no TTY): status, step, weights, replicas, alarms. It leaves the
 * time out so that two views of the same state give the same line; the caller prefixes the time.
 */
export function rolloutSummaryLine(r: RolloutView, live: RolloutLive | undefined): string {
  const step =
    r.strategy === 'canary' && r.steps && r.phase === 'Steps'
      ? ` step ${r.currentStepIndex}/${r.steps.length} ${describeCanaryStep(r.steps[r.currentStepIndex ?? 0] ?? {})}`
      : ` ${r.phase}`;
  const replicas =
    live?.canary || live?.stable
      ? ` ready ${live.canary?.ready ?? 0}/${live.canary?.desired ?? 0}+${live.stable?.ready ?? 0}/${live.stable?.desired ?? 0}`
      : '';
  const alarms = r.alarms.length
    ? ` alarms ${r.alarms.map((a) => `${a}=${live?.alarms[a] ?? 'unknown'}`).join(',')}`
    : '';
  const reason = r.abort ? ` reason: ${r.abort.reason}` : '';
  return `${r.deployment} ${r.status}${step} weights ${r.weights.canary}/${r.weights.stable}${replicas}${alarms}${reason}`;
}
