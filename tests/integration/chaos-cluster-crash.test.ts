import { DescribeClusterCommand, EKSClient, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { deleteClustersMade, fullSpec } from '../helpers/cluster-fixtures';
import { type RuntimeChild, startRuntimeChild } from '../helpers/crash-harness';
import { api, awsClientConfig, eventually, testTableName, uniqueName } from '../helpers/stack';

/**
 * Kill points are named by what the operation has recorded, not by a delay: a delay lands on a different step
 * on a busy machine (a kill between a task's call and its record makes the resumed run repeat that task, which
 * is safe but changes what a test may count).
 */
type KillPoint = 'accepted' | 'ControlPlaneRequested' | 'ControlPlaneActive';

/** Waits until the operation's record shows `step` (or returns at once for `accepted`), then SIGKILLs the child. */
async function killAt(child: RuntimeChild, operationId: string, point: KillPoint): Promise<void> {
  if (point !== 'accepted')
    await eventually(
      `operation ${operationId} to record ${point}`,
      async () => {
        const { body } = await api({ url: child.url }, 'GET', `/operations/${operationId}`);
        return body.steps?.some((s: { name: string }) => s.name === point) ? true : undefined;
      },
      60000,
    );
  await child.kill();
}

/** The operation's record once it is no longer Running on `child`. */
const operationEnded = (child: RuntimeChild, operationId: string) =>
  eventually(
    `operation ${operationId} to end`,
    async () => {
      const { body } = await api({ url: child.url }, 'GET', `/operations/${operationId}`);
      return body.status === 'Running' ? undefined : body;
    },
    60000,
  );

/**
 * The runtime is SIGKILLed while a provisioning runs (its in-process workflow run dies with it), then started
 * again on the same table: the operation is still Running with no run behind it, and a retry resumes it at
 * the first step it had not recorded, re-using what the dead run made. Kill points are spread over the run.
 */
describe('chaos: the runtime killed during a provisioning', () => {
  const eks = new EKSClient(awsClientConfig());
  afterAll(async () => deleteClustersMade());

  /** The cluster of `fullSpec` is ACTIVE with both its node groups, each made once. */
  async function expectBuilt(name: string) {
    expect((await eks.send(new DescribeClusterCommand({ name }))).cluster?.status).toBe('ACTIVE');
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: name }))).nodegroups?.sort()).toEqual([
      'batch',
      'general',
    ]);
  }

  it.each<KillPoint>(['accepted', 'ControlPlaneRequested', 'ControlPlaneActive'])(
    'killed once the operation shows %s: the retry finishes it, nothing made twice',
    async (killPoint) => {
      // Prepare
      const table = testTableName();
      const spec = fullSpec(uniqueName('crash'));
      const first = await startRuntimeChild({ table, autoAdvance: true });
      const accepted = await api({ url: first.url }, 'POST', '/clusters', spec);

      // Act
      await killAt(first, accepted.body.operationId, killPoint);
      const second = await startRuntimeChild({ table, autoAdvance: true });
      try {
        const before = (await api({ url: second.url }, 'GET', `/operations/${accepted.body.operationId}`)).body;
        const retry = await api({ url: second.url }, 'POST', `/operations/${accepted.body.operationId}/retry`);
        const done = await operationEnded(second, accepted.body.operationId);

        // Assess: a finished run needs no retry (409); an abandoned one is resumed and succeeds
        if (before.status === 'Running') expect(retry.status).toBe(202);
        else expect(retry.status).toBe(409);
        expect(done.status).toBe('Succeeded');
        await expectBuilt(spec.name);
      } finally {
        await second.stop();
      }
    },
    120000,
  );

  it('killed once ControlPlaneRequested is recorded: the sweep alone (no retry call) resumes from the next step', async () => {
    // Prepare: the restarted runtime sweeps at start and every second of its clock; a run not found for the
    // product's 30 s grace counts as lost
    const table = testTableName();
    const spec = fullSpec(uniqueName('swept'));
    const first = await startRuntimeChild({ table, autoAdvance: true });
    const accepted = await api({ url: first.url }, 'POST', '/clusters', spec);
    const operationId = accepted.body.operationId;

    // Act
    await killAt(first, operationId, 'ControlPlaneRequested');
    const second = await startRuntimeChild({ table, autoAdvance: true, recovery: { sweepIntervalMs: 1000 } });
    try {
      const before = (await api({ url: second.url }, 'GET', `/operations/${operationId}`)).body;
      // The grace passes on the restarted runtime's clock, not in real time
      await api({ url: second.url }, 'POST', '/_local/clock', { advanceSeconds: 31 });
      const done = await operationEnded(second, operationId);

      // Assess: abandoned while Running, then a second run started by the sweep finished it from the step after
      // the recorded one (the control plane was requested once), nothing made twice
      expect(before.status).toBe('Running');
      expect(done.status).toBe('Succeeded');
      expect(done.runs).toBe(2);
      expect(done.cost.invocations.requestControlPlane).toBe(1);
      await expectBuilt(spec.name);
    } finally {
      await second.stop();
    }
  }, 120000);
});
