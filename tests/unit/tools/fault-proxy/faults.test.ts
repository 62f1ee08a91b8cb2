import fc from 'fast-check';
import { type FAULT_KINDS, FaultPlan } from '../../../../tools/fault-proxy/faults';
import { awsProtocolOf, awsThrottle, kubeConflict } from '../../../../tools/fault-proxy/responses';

const get = { method: 'GET', path: '/api/v1/namespaces', operation: 'GET /api/v1/namespaces' };
const patch = { method: 'PATCH', path: '/apis/apps/v1/namespaces/a/deployments/web', operation: 'PATCH …' };

describe('FaultPlan', () => {
  it('gives the same faults for the same seed and request order (a chaos run can be replayed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, rate) => {
        // Prepare
        const a = new FaultPlan({ rate, seed });
        const b = new FaultPlan({ rate, seed });

        // Act
        const first = Array.from({ length: 50 }, () => a.next(patch, 'kube'));
        const second = Array.from({ length: 50 }, () => b.next(patch, 'kube'));

        // Assess
        expect(second).toEqual(first);
      }),
      { seed: 7, numRuns: 50 },
    );
  });

  it('faults about `rate` of the requests, spread over every kind asked for', () => {
    // Prepare
    const plan = new FaultPlan({ rate: 0.3, seed: 42, kinds: ['throttle', 'error5xx', 'slow'] });

    // Act
    const drawn = Array.from({ length: 10000 }, () => plan.next(get, 'aws'));

    // Assess
    const faulted = drawn.filter(Boolean);
    expect(faulted.length / drawn.length).toBeGreaterThan(0.28);
    expect(faulted.length / drawn.length).toBeLessThan(0.32);
    expect(new Set(faulted)).toEqual(new Set(['throttle', 'error5xx', 'slow']));
  });

  it('answers 409 Conflict only to Kubernetes updates', () => {
    // Prepare
    const plan = new FaultPlan({ rate: 1, kinds: ['conflict'] });

    // Act / Assess
    expect(plan.next(patch, 'kube')).toBe('conflict');
    expect(plan.next({ ...patch, method: 'PUT' }, 'kube')).toBe('conflict');
    expect(plan.next(get, 'kube')).toBeUndefined();
    expect(plan.next({ ...patch, method: 'POST' }, 'kube')).toBeUndefined();
    expect(plan.next(patch, 'aws')).toBeUndefined();
  });

  it('set() restarts the sequence from the new seed', () => {
    // Prepare
    const plan = new FaultPlan({ rate: 0.5, seed: 3 });
    const fresh = Array.from({ length: 20 }, () => plan.next(get, 'aws'));

    // Act
    plan.set({ rate: 0.5, seed: 3 });

    // Assess
    expect(Array.from({ length: 20 }, () => plan.next(get, 'aws'))).toEqual(fresh);
  });

  it('refuses a rate outside [0, 1] and unknown kinds', () => {
    expect(() => new FaultPlan({ rate: 1.5 })).toThrow(RangeError);
    expect(() => new FaultPlan({ rate: 0.1, kinds: ['boom' as (typeof FAULT_KINDS)[number]] })).toThrow(RangeError);
  });
});

describe('fault responses', () => {
  it('speaks each AWS protocol: JSON __type for x-amz-target, XML Throttling for the query protocol', () => {
    // Act
    const json = awsThrottle(awsProtocolOf({ 'x-amz-target': 'DynamoDB_20120810.GetItem' }));
    const query = awsThrottle(awsProtocolOf({ 'content-type': 'application/x-www-form-urlencoded' }));

    // Assess
    expect(JSON.parse(json.body).__type).toMatch(/#ThrottlingException$/);
    expect(json.status).toBe(429);
    expect(query.body).toContain('<Code>Throttling</Code>');
    expect(query.headers['content-type']).toBe('text/xml');
  });

  it('names the object in a Kubernetes Conflict', () => {
    const conflict = JSON.parse(kubeConflict('/apis/apps/v1/namespaces/a/deployments/web?fieldManager=x').body);
    expect(conflict).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(conflict.message).toContain('"web"');
  });
});
