import { createLogger } from '../../../../core/kernel/logger';
import { onAlarmStateChange } from '../../../../core/rollouts/commands/on-alarm';
import { startRollout } from '../../../../core/rollouts/commands/start-rollout';
import { sweepRollouts } from '../../../../core/rollouts/commands/sweep-rollouts';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld, T0 } from '../../../helpers/rollout-world';

// Issue 8, item 7: a handler that works on many rollouts logs each rollout's lines with that rollout's id.
describe('correlation ids of the alarm fan-out and the sweep', () => {
  async function twoGuardedRollouts() {
    const w = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });
    w.workloads.addDeployment(CLUSTER, NAMESPACE, 'api', {
      replicas: 4,
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } },
      selector: { app: 'api' },
    });
    const lines: Record<string, any>[] = [];
    w.deps.logger = createLogger('debug', {}, (line) => void lines.push(JSON.parse(line)));
    const guarded = { analysis: { alarms: ['web-5xx'] } };
    const web = await startRollout(w.deps, canaryBody({}, guarded), w.newId);
    const api = await startRollout(w.deps, canaryBody({ deployment: 'api', image: 'api:2' }, guarded), w.newId);
    // Stopping the old runs fails: each abort logs a warning, and goes on.
    w.workflows.stop = async () => {
      throw new Error('throttled');
    };
    w.alarms.set('web-5xx', 'ALARM');
    return { w, lines, ids: [web.id, api.id].sort() };
  }

  const warnings = (lines: Record<string, any>[]) =>
    lines.filter((l) => l.message === 'could not stop an outdated rollout run');

  it("an alarm's aborts each log with their own rollout's id", async () => {
    // Prepare
    const { w, lines, ids } = await twoGuardedRollouts();

    // Act
    await onAlarmStateChange(w.deps, { alarmName: 'web-5xx', state: 'ALARM', time: T0 });

    // Assess
    const logged = warnings(lines);
    expect(logged.map((l) => l.correlation_id).sort()).toEqual(ids);
    expect(logged.every((l) => l.execution.startsWith(l.correlation_id))).toBe(true);
    expect(lines.find((l) => l.message === 'alarm handled')?.correlation_id).toBeUndefined();
  });

  it("the sweep's aborts each log with their own rollout's id", async () => {
    // Prepare
    const { w, lines, ids } = await twoGuardedRollouts();

    // Act
    await sweepRollouts(w.deps);

    // Assess
    const logged = warnings(lines);
    expect(logged.map((l) => l.correlation_id).sort()).toEqual(ids);
    expect(logged.every((l) => l.execution.startsWith(l.correlation_id))).toBe(true);
  });
});
