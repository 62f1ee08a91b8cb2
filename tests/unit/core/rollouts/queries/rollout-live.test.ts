import { MISSING_ALARM, readRolloutLive } from '../../../../../core/rollouts/queries/rollout-live';
import { FakeAlarmStates, FakeWorkloads } from '../../../../helpers/fake-workloads';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } };
const now = () => new Date('2026-11-26T01:00:00.000Z');

describe('GET /rollouts/{id}/live: what the cluster and CloudWatch show now', () => {
  it('reads desired and Ready of each side and the state of each alarm; a missing alarm says so', async () => {
    // Prepare
    const workloads = new FakeWorkloads()
      .addDeployment('sandbox', 'team-a', 'web', { replicas: 8, template, selector: { app: 'web' } })
      .addDeployment('sandbox', 'team-a', 'web-canary', { replicas: 2, template, selector: { app: 'web' } });
    workloads.edit('sandbox', 'team-a', 'web-canary', (d) => {
      d.status.readyReplicas = 1;
    });
    const alarms = new FakeAlarmStates().set('errors', 'ALARM');

    // Act
    const live = await readRolloutLive(
      { workloads, alarms, now },
      { cluster: 'sandbox', namespace: 'team-a', deployment: 'web', strategy: 'canary', alarms: ['errors', 'gone'] },
    );

    // Assess
    expect(live).toEqual({
      stable: { desired: 8, ready: 8 },
      canary: { desired: 2, ready: 1 },
      alarms: { errors: 'ALARM', gone: MISSING_ALARM },
      at: '2026-11-26T01:00:00.000Z',
    });
  });

  it('blue-green reads the -green Deployment; a side that is not there is absent; no alarms, no CloudWatch call', async () => {
    // Prepare
    const workloads = new FakeWorkloads().addDeployment('c', 'ns', 'api', { replicas: 3, template, selector: {} });
    const alarms = new FakeAlarmStates();

    // Act
    const live = await readRolloutLive(
      { workloads, alarms, now },
      { cluster: 'c', namespace: 'ns', deployment: 'api', strategy: 'blueGreen', alarms: [] },
    );

    // Assess
    expect(live).toEqual({ stable: { desired: 3, ready: 3 }, canary: undefined, alarms: {}, at: now().toISOString() });
    expect(alarms.queried).toEqual([]);
  });
});
