import { finished, newOperation, withStep } from '../../../../../core/operations/domain/operation';

const t0 = new Date('2026-01-02T03:04:05.000Z');
const t1 = new Date('2026-01-02T03:10:00.000Z');

describe('newOperation', () => {
  it('starts Running at version 0 with no steps', () => {
    // Act
    const op = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);

    // Assess
    expect(op).toEqual({
      id: 'op-1',
      kind: 'ProvisionCluster',
      cluster: 'prod-eu',
      status: 'Running',
      steps: [],
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      version: 0,
    });
  });
});

describe('withStep', () => {
  it('appends a new step and moves updatedAt', () => {
    // Prepare
    const op = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);

    // Act
    const next = withStep(op, { name: 'ControlPlaneRequested', at: t1.toISOString() });

    // Assess
    expect(next.steps).toEqual([{ name: 'ControlPlaneRequested', at: t1.toISOString() }]);
    expect(next.updatedAt).toBe(t1.toISOString());
    expect(op.steps).toEqual([]); // not mutated
  });

  it('returns the same object when the step is already there (a step run twice is recorded once)', () => {
    // Prepare
    const once = withStep(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0), { name: 'A', at: t0.toISOString() });

    // Act
    const twice = withStep(once, { name: 'A', at: t1.toISOString(), detail: 'again' });

    // Assess
    expect(twice).toBe(once);
    expect(twice.steps).toHaveLength(1);
  });
});

describe('finished', () => {
  it.each([
    { outcome: {}, status: 'Succeeded', error: undefined },
    {
      outcome: { error: { code: 'DependencyError', message: 'no' } },
      status: 'Failed',
      error: { code: 'DependencyError', message: 'no' },
    },
  ])('ends a running operation as $status', ({ outcome, status, error }) => {
    // Prepare
    const op = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);

    // Act
    const done = finished(op, outcome, t1);

    // Assess
    expect(done.status).toBe(status);
    expect(done.error).toEqual(error);
    expect(done.updatedAt).toBe(t1.toISOString());
  });

  it('keeps the first outcome when ended again', () => {
    // Prepare
    const failed = finished(
      newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0),
      { error: { code: 'X', message: 'first' } },
      t0,
    );

    // Act
    const again = finished(failed, {}, t1);

    // Assess
    expect(again).toBe(failed);
    expect(again.status).toBe('Failed');
  });
});
