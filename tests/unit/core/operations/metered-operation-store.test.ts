import { finished, newOperation, withStep } from '../../../../core/operations/domain/operation';
import { withOperationMetrics } from '../../../../core/operations/metered-operation-store';
import { MemoryOperationStore } from '../../../fakes/memory-operation-store';
import { RecordingMetrics } from '../../../helpers/recording-metrics';

describe('withOperationMetrics', () => {
  async function setup() {
    const metrics = new RecordingMetrics();
    const store = withOperationMetrics(new MemoryOperationStore(), metrics);
    await store.create(newOperation('op-1', 'ProvisionCluster', 'c1', new Date(0)));
    return { metrics, store };
  }

  it('counts the end of an operation once by kind and outcome, however often the end is written', async () => {
    // Prepare
    const { metrics, store } = await setup();

    // Act: a step, the end, then the end delivered again (a retried task)
    await store.update('op-1', (op) => withStep(op, { name: 'ControlPlaneRequested', at: 'T1' }));
    await store.update('op-1', (op) => finished(op, { error: { code: 'DependencyError', message: 'x' } }, new Date(1)));
    await store.update('op-1', (op) => finished(op, {}, new Date(2)));

    // Assess
    expect(metrics.points).toEqual([
      {
        name: 'OperationsFinished',
        unit: 'Count',
        value: 1,
        dimensions: { kind: 'ProvisionCluster', outcome: 'Failed' },
      },
    ]);
    expect((await store.get('op-1'))?.status).toBe('Failed');
  });

  it('counts nothing when the write fails', async () => {
    // Prepare
    const { metrics, store } = await setup();

    // Act
    const write = store.update('op-unknown', (op) => finished(op, {}, new Date(1)));

    // Assess
    await expect(write).rejects.toThrow();
    expect(metrics.points).toEqual([]);
  });
});
