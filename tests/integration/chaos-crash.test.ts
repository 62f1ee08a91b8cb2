import type { Rollout } from '../../core/rollouts/domain/types';
import { seededRandom } from '../../tools/fault-proxy/faults';
import { clusterView, endStateDisagreements, historyCount, storedRollout } from '../helpers/cluster-view';
import { type RuntimeChild, startRuntimeChild } from '../helpers/crash-harness';
import { defined } from '../helpers/defined';
import { type App, blueGreenRequest, createApp } from '../helpers/rollout-fixtures';
import { delayReadiness, servingBound, startServingSampler } from '../helpers/serving-sampler';
import { api, eventually, testTableName } from '../helpers/stack';

/**
 * The runtime is SIGKILLed at points of a rollout drawn from its milestones, each kill made once the record
 * shows the rollout got there (observed, not timed), and restarted on the same emulator, control plane and table. Nothing in memory survives; the restarted runtime must find the work and finish it,
 * the store must never claim what the cluster does not show, and stable must serve throughout.
 */
const SEED = 20261125;
/** How often a restarted runtime sweeps: a dead run is found within this, not within the deployed 5 minutes. */
const SWEEP_INTERVAL_MS = 500;
const KILLS = 3;
const ORIGINAL_IMAGE = 'nginx:1.27';
/** Pods take this long to become Ready (where the control plane honours it): capacity drops become visible. */
const READY_AFTER_SECONDS = 1;

/** A point in a rollout's life, as its stored record shows it: reached there or later. */
interface Milestone {
  name: string;
  reached(rollout: Rollout): boolean;
}

const ended = (r: Rollout) => r.status === 'Promoted' || r.status === 'Aborted' || r.status === 'Failed';
/** Canary: the step the rollout stands at (index k: steps 0…k-1 done). */
const atStep = (index: number, name: string): Milestone => ({ name, reached: (r) => r.currentStepIndex >= index });
/** Blue-green phases in the order a rollout goes through them. */
const BLUE_GREEN_PHASES = ['Preview', 'Switched', 'Finalizing', 'Done'];
const atPhase = (phase: string, name: string): Milestone => ({
  name,
  reached: (r) => BLUE_GREEN_PHASES.indexOf(r.phase) >= BLUE_GREEN_PHASES.indexOf(phase),
});

describe('chaos: runtime killed mid-rollout', () => {
  const random = seededRandom(SEED);
  /** `count` of `milestones` drawn with the seeded random, in the order the rollout reaches them. */
  const draw = (milestones: Milestone[], count: number) =>
    milestones
      .map((milestone, order) => ({ milestone, order, key: random() }))
      .sort((a, b) => a.key - b.key)
      .slice(0, count)
      .sort((a, b) => a.order - b.order)
      .map((m) => m.milestone);
  let child: RuntimeChild | undefined;
  afterEach(async () => child?.stop());

  /** A runtime "deployment" whose only memory is its table. */
  const runtimeOn = (table: string) => ({
    start: async () => {
      child = await startRuntimeChild({ table, recovery: { sweepIntervalMs: SWEEP_INTERVAL_MS } });
      return child;
    },
    crash: async () => {
      await child?.kill();
      child = undefined;
    },
  });

  /** An app whose pods are Ready only after a delay, and a started runtime on a fresh table. */
  async function slowAppAndRuntime(options: Parameters<typeof createApp>[0]) {
    const app = await createApp(options);
    await delayReadiness(app.namespace, app.name, READY_AFTER_SECONDS);
    const table = testTableName();
    const runtime = runtimeOn(table);
    const first = await runtime.start();
    return { app, table, runtime, first };
  }

  /** Waits until the stored record shows `milestone` (or the end), then kills the runtime and starts it again. */
  async function crashAt(runtime: ReturnType<typeof runtimeOn>, table: string, id: string, milestone: Milestone) {
    await eventually(
      `rollout ${id} ${milestone.name}`,
      async () => {
        const r = await storedRollout(table, id);
        return r && (milestone.reached(r) || ended(r)) ? true : undefined;
      },
      60000,
      50,
    );
    await runtime.crash();
    await runtime.start();
  }

  /** `KILLS` kills, at milestones drawn from `milestones`, one after the other. */
  async function crashRepeatedly(
    runtime: ReturnType<typeof runtimeOn>,
    table: string,
    id: string,
    milestones: Milestone[],
  ) {
    for (const milestone of draw(milestones, KILLS)) await crashAt(runtime, table, id, milestone);
  }

  const finished = (table: string, id: string, timeoutMs = 60000) =>
    eventually(
      `rollout ${id} to end`,
      async () => {
        const r = await storedRollout(table, id);
        return r && ended(r) ? r : undefined;
      },
      timeoutMs,
      200,
    );

  async function assertEndsConsistent(app: App, table: string, id: string, expected: 'Promoted' | 'Aborted') {
    const done = await finished(table, id);
    expect(done.status).toBe(expected);
    // The store says it ended: the cluster must show it (once deletions of the extra Deployment settle).
    const disagreements = await eventually(
      'the cluster to show the end state',
      async () => {
        const found = endStateDisagreements(done, await clusterView(app.namespace), ORIGINAL_IMAGE);
        return found.length === 0 ? found : undefined;
      },
      15000,
      200,
    ).catch(async () => endStateDisagreements(done, await clusterView(app.namespace), ORIGINAL_IMAGE));
    expect(disagreements).toEqual([]);
    expect(historyCount(done, 'Started')).toBe(1);
    expect(historyCount(done, expected)).toBe(1);
    return done;
  }

  it('canary: killed 3 times through timed pauses and once right after promote, it resumes and ends Promoted', async () => {
    // Prepare
    const { app, table, runtime, first } = await slowAppAndRuntime({ replicas: 4 });
    const sampler = startServingSampler(app.namespace);

    // Act: start, crash through the timed steps
    const started = await api(first, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: app.name,
      image: 'nginx:1.28',
      canary: {
        steps: [
          { setWeight: 25 },
          { pause: { duration: '1s' } },
          { setWeight: 50 },
          { pause: { duration: '1s' } },
          { setWeight: 75 },
          { pause: {} },
        ],
      },
    });
    expect(started.status).toBe(202);
    const id = started.body.id;
    await crashRepeatedly(runtime, table, id, [
      atStep(0, 'just started'),
      atStep(1, 'in the 1 s pause at 25 %'),
      atStep(2, 'scaling to 50 %'),
      atStep(3, 'in the 1 s pause at 50 %'),
      atStep(4, 'scaling to 75 %'),
    ]);
    const waiting = await eventually(
      'the indefinite pause at 75 %',
      async () => {
        const r = await storedRollout(table, id);
        return r?.status === 'Paused' && r.currentStepIndex === 5 ? r : undefined;
      },
      60000,
      200,
    );
    // The store says 75 %: the cluster must show it
    const atPause = await clusterView(app.namespace);
    expect(waiting.weights).toEqual({ canary: 75, stable: 25 });
    expect(atPause.deployments['web-canary']).toMatchObject({ image: 'nginx:1.28', replicas: 3 });
    expect(atPause.deployments.web).toMatchObject({ image: ORIGINAL_IMAGE, replicas: 1 });

    // Act: promote, then crash before its run can finish
    const promote = await api(defined(child, 'child'), 'POST', `/rollouts/${id}/promote`, {});
    const [afterPromote] = draw(
      [
        { name: 'promote answered', reached: () => true },
        { name: 'rolling the new template onto stable', reached: (r) => r.phase === 'Promoting' },
      ],
      1,
    );
    await crashAt(runtime, table, id, defined(afterPromote, 'a milestone'));

    // Assess
    expect(promote.status).toBe(200);
    await assertEndsConsistent(app, table, id, 'Promoted');
    const { min } = await sampler.stop();
    expect(min).toBeGreaterThanOrEqual(servingBound(app.replicas));
  }, 150000);

  it('canary abort: killed just after the abort request, the restarted runtime finishes the abort', async () => {
    // Prepare: a rollout waiting at 50 %
    const { app, table, runtime, first } = await slowAppAndRuntime({ replicas: 4 });
    const started = await api(first, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: app.name,
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
    });
    const id = started.body.id;
    await eventually('Paused at 50 %', async () =>
      (await storedRollout(table, id))?.status === 'Paused' ? true : undefined,
    );
    const sampler = startServingSampler(app.namespace);

    // Act: abort without waiting for the answer, and kill the runtime as it is sent or once it is recorded
    const abort = api(first, 'POST', `/rollouts/${id}/abort`, { reason: 'chaos' }).catch((error) => error);
    const [kill] = draw(
      [
        { name: 'abort sent', reached: () => true },
        { name: 'abort recorded', reached: (r) => r.abort !== undefined || r.phase === 'Aborting' },
      ],
      1,
    );
    await crashAt(runtime, table, id, defined(kill, 'a milestone'));
    await abort;
    const restarted = defined(child, 'the restarted runtime');
    // A client that heard nothing retries (as the CLI would); a recorded abort makes that a no-op.
    const retry = await api(restarted, 'POST', `/rollouts/${id}/abort`, { reason: 'chaos (client retry)' });

    // Assess
    expect([200, 409]).toContain(retry.status);
    await assertEndsConsistent(app, table, id, 'Aborted');
    const { min } = await sampler.stop();
    expect(min).toBeGreaterThanOrEqual(servingBound(app.replicas));
  }, 120000);

  it('blue-green: killed 3 times from preview through switch and scale-down, it resumes and ends Promoted', async () => {
    // Prepare
    const { app, table, runtime, first } = await slowAppAndRuntime({ replicas: 3, previewService: true });
    const sampler = startServingSampler(app.namespace);

    // Act
    const started = await api(
      first,
      'POST',
      '/rollouts',
      blueGreenRequest(app, { previewService: 'web-preview', autoPromotionSeconds: 1, scaleDownDelaySeconds: 2 }),
    );
    expect(started.status).toBe(202);
    const id = started.body.id;
    await crashRepeatedly(runtime, table, id, [
      atPhase('Preview', 'creating green'),
      { name: 'timing its auto-promotion', reached: (r) => r.pause?.until !== undefined || r.phase !== 'Preview' },
      atPhase('Switched', 'switched, within the scale-down delay'),
      atPhase('Finalizing', 'scaling blue down'),
    ]);

    // Assess
    const done = await assertEndsConsistent(app, table, id, 'Promoted');
    expect((await clusterView(app.namespace)).selectors.web?.version).toBe(done.revision);
    const { min } = await sampler.stop();
    expect(min).toBeGreaterThanOrEqual(servingBound(app.replicas));
  }, 150000);
});
