import { FakeAlb } from '../fakes/fake-alb';
import { FakeMetricData } from '../fakes/fake-metric-data';
// A whole rollout "world" in memory: store, cluster, alarms, events, workflows and a clock that only moves when told.

import { createLogger } from '../../core/kernel/logger';
import type { CanaryRollout, PodTemplate } from '../../core/rollouts/domain/types';
import type { RolloutDeps } from '../../core/rollouts/rollout-deps';
import { MemoryRolloutStore } from '../fakes/memory-rollout-store';
import { MemoryVerifiedAlarmChanges } from '../fakes/memory-verified-alarm-changes';
import { FakeAlarmStates, FakeWorkloads, RecordingEventPublisher } from './fake-workloads';
import { FakeWorkflowStarter, fixedClock } from './fakes';
import { RecordingMetrics } from './recording-metrics';

export const CLUSTER = 'sandbox';
export const NAMESPACE = 'shop';
export const DEPLOYMENT = 'web';
export const T0 = '2026-03-01T12:00:00.000Z';

export function stableTemplate(image = 'nginx:1.27'): PodTemplate {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } };
}

/** A stored canary rollout of web (10 replicas) at its first step, guarded by two alarms, as of T0. */
export function storedCanaryRollout(overrides: Partial<CanaryRollout> = {}): CanaryRollout {
  const template = stableTemplate();
  return {
    id: 'ro-1',
    cluster: CLUSTER,
    namespace: NAMESPACE,
    deployment: DEPLOYMENT,
    strategy: 'canary',
    request: {
      cluster: CLUSTER,
      namespace: NAMESPACE,
      deployment: DEPLOYMENT,
      image: 'nginx:1.28',
      canary: {
        trafficRouting: 'replicas',
        steps: [{ setWeight: 10 }],
        analysis: { alarms: ['web-5xx', 'web-latency'], noData: 'pause' },
      },
      progressDeadlineSeconds: 600,
    },
    status: 'Progressing',
    phase: 'Steps',
    currentStepIndex: 0,
    stepStartedAt: T0,
    stable: { replicas: 10, template },
    newTemplate: template,
    revision: 'rro1',
    weights: { canary: 0, stable: 100 },
    alarms: ['web-5xx', 'web-latency'],
    run: 1,
    history: [],
    createdAt: T0,
    updatedAt: T0,
    version: 0,
    ...overrides,
  };
}

export function rolloutWorld(
  options: { replicas?: number; alarms?: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> } = {},
) {
  const clock = fixedClock(T0);
  const workloads = new FakeWorkloads()
    .addDeployment(CLUSTER, NAMESPACE, DEPLOYMENT, {
      replicas: options.replicas ?? 10,
      template: stableTemplate(),
      selector: { app: 'web' },
    })
    .addService(CLUSTER, NAMESPACE, 'web', { app: 'web' })
    .addService(CLUSTER, NAMESPACE, 'web-preview', { app: 'web' });
  const alarms = new FakeAlarmStates();
  for (const [name, state] of Object.entries(options.alarms ?? {})) alarms.set(name, state);
  const rollouts = new MemoryRolloutStore();
  const events = new RecordingEventPublisher();
  const workflows = new FakeWorkflowStarter();
  const metrics = new RecordingMetrics();
  const alb = new FakeAlb();
  const metricData = new FakeMetricData();
  const deps: RolloutDeps = {
    rollouts,
    workloads,
    ingresses: alb,
    loadBalancers: alb,
    metricData,
    alarms,
    verifiedChanges: new MemoryVerifiedAlarmChanges(),
    events,
    workflows,
    logger: createLogger('silent'),
    metrics,
    now: clock.now,
  };
  let nextId = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++nextId).padStart(12, '0')}`;
  return { deps, clock, workloads, alarms, rollouts, events, workflows, metrics, newId, alb, metricData };
}

export function canaryBody(overrides: Record<string, unknown> = {}, canary: Record<string, unknown> = {}) {
  return {
    cluster: CLUSTER,
    namespace: NAMESPACE,
    deployment: DEPLOYMENT,
    image: 'nginx:1.28',
    canary: { steps: [{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { pause: {} }], ...canary },
    ...overrides,
  };
}

export function blueGreenBody(overrides: Record<string, unknown> = {}, blueGreen: Record<string, unknown> = {}) {
  return {
    cluster: CLUSTER,
    namespace: NAMESPACE,
    deployment: DEPLOYMENT,
    image: 'nginx:1.28',
    blueGreen: { activeService: 'web', previewService: 'web-preview', ...blueGreen },
    ...overrides,
  };
}

/** Starts the default canary (10 replicas) and drives run 1 to its first pause: stable 9, canary 1. */
export async function startedToFirstPause(world: ReturnType<typeof rolloutWorld>) {
  const { startRollout } = await import('../../core/rollouts/commands/start-rollout');
  const { reconcileRollout } = await import('../../core/rollouts/steps/reconcile-rollout');
  const r = await startRollout(world.deps, canaryBody(), world.newId);
  for (let i = 0; i < 5; i++) {
    const res = await reconcileRollout(world.deps, { rolloutId: r.id, run: 1 });
    if (res.status === 'Paused') break;
    world.workloads.settle();
  }
  return r;
}
