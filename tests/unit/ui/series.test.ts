import { chartColumns, samplesFromHistory } from '../../../ui/src/series';

const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 1, 0, s)).toISOString();
const t = (s: number) => Date.UTC(2026, 10, 26, 1, 0, s) / 1000;

describe('dashboard chart series', () => {
  it('reads the weights over time from a canary history: start, each completed setWeight, promotion', () => {
    // Prepare
    const rollout = {
      strategy: 'canary',
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }],
      history: [
        { at: at(0), type: 'Started' },
        { at: at(5), type: 'StepCompleted', stepIndex: 0 },
        { at: at(9), type: 'StepCompleted', stepIndex: 1 },
        { at: at(12), type: 'StepCompleted', stepIndex: 2 },
        { at: at(20), type: 'Promoted' },
      ],
    };

    // Act
    const samples = samplesFromHistory(rollout);

    // Assess
    expect(samples.map((s) => [s.t - t(0), s.canaryWeight, s.stableWeight])).toEqual([
      [0, 0, 100],
      [5, 10, 90],
      [12, 50, 50],
      [20, 100, 0],
    ]);
  });

  it('blue-green switches to 100 and an abort goes back to 0', () => {
    const samples = samplesFromHistory({
      strategy: 'blueGreen',
      history: [
        { at: at(0), type: 'Started' },
        { at: at(3), type: 'Switched' },
        { at: at(4), type: 'Aborted' },
      ],
    });
    expect(samples.map((s) => s.canaryWeight)).toEqual([0, 100, 0]);
  });

  it('columns for uPlot: sorted by time, one point per second (the later wins), null for no Ready count', () => {
    // Act
    const columns = chartColumns([
      { t: 5, canaryWeight: 50, stableWeight: 50, canaryReady: 2, stableReady: 2 },
      { t: 1, canaryWeight: 0, stableWeight: 100 },
      { t: 5, canaryWeight: 60, stableWeight: 40, canaryReady: 3, stableReady: 2 },
    ]);

    // Assess
    expect(columns).toEqual([
      [1, 5],
      [0, 60],
      [100, 40],
      [null, 3],
      [null, 2],
    ]);
  });
});
