import { bar, formatElapsed, renderTable } from '../../../../cli/render/format';
import { operationProgressLine, renderOperation } from '../../../../cli/render/operation-view';
import { describeCanaryStep, renderRollout, rolloutSummaryLine } from '../../../../cli/render/rollout-view';
import type { Operation, RolloutView } from '../../../../cli/render/types';

const T0 = '2026-11-26T01:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function canary(overrides: Partial<RolloutView> = {}): RolloutView {
  return {
    id: '3f0c2d1e-0000-4000-8000-000000000001',
    cluster: 'sandbox',
    namespace: 'default',
    deployment: 'web',
    strategy: 'canary',
    status: 'Paused',
    phase: 'Steps',
    currentStepIndex: 1,
    steps: [{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { pause: {} }],
    weights: { canary: 10, stable: 90 },
    pause: { reason: 'Step', until: at(40) },
    image: 'nginx:2',
    alarms: ['web-5xx-rate'],
    history: [
      { at: T0, type: 'Started', message: 'canary rollout of nginx:2 on 10 replicas' },
      { at: at(8), type: 'StepCompleted', message: 'setWeight 10 done', stepIndex: 0 },
      { at: at(10), type: 'Paused', message: `paused until ${at(40)}`, stepIndex: 1 },
    ],
    createdAt: T0,
    updatedAt: at(10),
    ...overrides,
  };
}

const live = { stable: { desired: 9, ready: 9 }, canary: { desired: 1, ready: 1 }, alarms: { 'web-5xx-rate': 'OK' } };

describe('watch view of a rollout (pure rendering)', () => {
  it('marks the current step, the done ones, and the time spent in it', () => {
    // Act
    const lines = renderRollout(canary(), live, new Date(at(22)));

    // Assess
    expect(lines).toContain('  ✔ 0  setWeight 10');
    expect(lines).toContain('  ▶ 1  pause 30s   ← 12s');
    expect(lines).toContain('    2  setWeight 50');
    expect(lines).toContain('    3  pause (until promoted)');
    expect(lines).toContain('Phase     Steps  (12s in this step)');
    expect(lines).toContain('Status    ॥ Paused (Step until 01:00:40)');
  });

  it('draws the weights as bars, Ready/desired of each side and each alarm state', () => {
    // Act
    const lines = renderRollout(canary({ weights: { canary: 50, stable: 50 } }), live, new Date(at(22)));

    // Assess
    expect(lines).toContain(`Weights   canary ${'█'.repeat(10)}${'░'.repeat(10)}  50%`);
    expect(lines).toContain(`          stable ${'█'.repeat(10)}${'░'.repeat(10)}  50%`);
    expect(lines).toContain('Replicas  canary 1/1 ready   stable 9/9 ready');
    expect(lines).toContain('Alarms    web-5xx-rate OK');
  });

  it('shows only the last 5 history entries, oldest first', () => {
    // Prepare
    const history = Array.from({ length: 8 }, (_, i) => ({ at: at(i), type: 'Resumed', message: `entry ${i}` }));

    // Act
    const lines = renderRollout(canary({ history }), live, new Date(at(22)));

    // Assess
    const shown = lines.slice(lines.indexOf('History') + 1);
    expect(shown).toEqual([3, 4, 5, 6, 7].map((i) => `  01:00:0${i}  Resumed        entry ${i}`));
  });

  it('a finished rollout shows its reason and no running clock; unknown live data shows as such', () => {
    // Prepare
    const aborted = canary({
      status: 'Aborted',
      phase: 'Done',
      finishedAt: at(30),
      weights: { canary: 0, stable: 100 },
      abort: { reason: 'alarm web-5xx-rate is ALARM', alarm: 'web-5xx-rate', at: at(29) },
    });

    // Act
    const lines = renderRollout(aborted, undefined, new Date(at(600)));

    // Assess
    expect(lines).toContain('Status    ✖ Aborted (Step until 01:00:40): alarm web-5xx-rate is ALARM');
    expect(lines).toContain('Phase     Done');
    expect(lines.some((l) => l.includes('←'))).toBe(false);
    expect(lines).toContain('Replicas  canary -   stable -');
    expect(lines).toContain('Alarms    web-5xx-rate unknown');
  });

  it('blue-green: no steps, green and blue sides', () => {
    // Prepare
    const bg = canary({ strategy: 'blueGreen', steps: undefined, currentStepIndex: undefined, phase: 'Preview' });

    // Act
    const lines = renderRollout(bg, live, new Date(at(22)));

    // Assess
    expect(lines).not.toContain('Steps');
    expect(lines[1]).toBe('Target    sandbox/default/web  (blue-green)');
    expect(lines).toContain('Replicas  green 1/1 ready   blue 9/9 ready');
    expect(lines).toContain('Phase     Preview  (12s in this phase)');
  });

  it('the one-line summary (no TTY) changes with state and not with the clock', () => {
    // Act
    const line = rolloutSummaryLine(canary(), live);
    const same = rolloutSummaryLine(canary({ updatedAt: at(99) }), live);
    const moved = rolloutSummaryLine(canary({ currentStepIndex: 2, status: 'Progressing', pause: undefined }), live);

    // Assess
    expect(line).toBe('web Paused step 1/4 pause 30s weights 10/90 ready 1/1+9/9 alarms web-5xx-rate=OK');
    expect(same).toBe(line);
    expect(moved).toBe('web Progressing step 2/4 setWeight 50 weights 10/90 ready 1/1+9/9 alarms web-5xx-rate=OK');
  });

  it.each([
    [{ setWeight: 20 }, 'setWeight 20'],
    [{ pause: { duration: '5m' } }, 'pause 5m'],
    [{ pause: {} }, 'pause (until promoted)'],
    [{ analysis: { alarms: ['a', 'b'] } }, 'analysis a, b'],
    [{ analysis: {} }, 'analysis'],
  ])('describes step %j as "%s"', (step, text) => {
    expect(describeCanaryStep(step)).toBe(text);
  });
});

describe('operation progress line', () => {
  const op: Operation = {
    id: 'op-1',
    kind: 'ProvisionCluster',
    cluster: 'prod-1',
    status: 'Running',
    steps: [
      { name: 'ControlPlaneRequested', at: at(1) },
      { name: 'ControlPlaneActive', at: at(60) },
    ],
    createdAt: T0,
    updatedAt: at(60),
  };

  it('shows the last step and the time since the start while running', () => {
    expect(operationProgressLine(op, new Date(at(72)))).toBe(
      'ProvisionCluster prod-1  Running  step 2 ControlPlaneActive  1m12s',
    );
  });

  it('stops the clock at the end and shows the error of a failed one', () => {
    // Prepare
    const failed: Operation = { ...op, status: 'Failed', updatedAt: at(90), error: { code: 'Boom', message: 'no' } };

    // Act
    const line = operationProgressLine(failed, new Date(at(5000)));
    const lines = renderOperation(failed, new Date(at(5000)));

    // Assess
    expect(line).toBe('ProvisionCluster prod-1  Failed  step 2 ControlPlaneActive  1m30s  Boom: no');
    expect(lines).toEqual([
      'Operation op-1',
      line,
      '  ✔ 1  01:00:01  ControlPlaneRequested',
      '  ✔ 2  01:01:00  ControlPlaneActive',
    ]);
  });
});

describe('format helpers', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [3_725_000, '1h02m'],
    [-5, '0s'],
  ])('formatElapsed(%d) = %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it('bar clamps to 0-100 and rounds to whole cells', () => {
    expect(bar(-10, 4)).toBe('░░░░');
    expect(bar(130, 4)).toBe('████');
    expect(bar(49, 4)).toBe('██░░');
  });

  it('renderTable aligns columns on the widest cell', () => {
    expect(
      renderTable(
        ['a', 'bb'],
        [
          ['xxx', 1],
          [undefined, 'y'],
        ],
      ),
    ).toBe('A    BB\nxxx  1\n     y');
  });
});
