import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { DependencyError } from '../../core/kernel/errors';
import { REPO_ROOT } from '../../local/runtime';
import { readServerlessManifest } from '../../local/serverless-manifest';
import { deleteClustersMade, fullSpec, operationDone } from '../helpers/cluster-fixtures';
import { api, awsClientConfig, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/**
 * A failure injected at each step of the provisioning, on the real stack: the real adapters, wrapped so that
 * one call fails once with an error EKS or Kubernetes could give. With onFailure "keep" the operation is
 * Failed naming the step, and a retry resumes there and succeeds; with "rollback" nothing it made is left.
 */
type Target = 'clusters' | 'baseline';
const injections: Array<{ step: string; target: Target; method: string; failOnCall: number }> = [
  { step: 'RequestControlPlane', target: 'clusters', method: 'createCluster', failOnCall: 1 },
  // DescribeCluster: POST /clusters's plan, then RequestControlPlane's look for an existing cluster, then the first check.
  { step: 'CheckControlPlane', target: 'clusters', method: 'describeCluster', failOnCall: 3 },
  { step: 'NodegroupsAndAddons', target: 'clusters', method: 'createAddon', failOnCall: 2 },
  { step: 'ApplyAccess', target: 'clusters', method: 'applyAccess', failOnCall: 1 },
  { step: 'ApplyBaseline', target: 'baseline', method: 'applyNamespace', failOnCall: 2 },
];

/** Fails the armed method's n-th call for the armed cluster, once; every other call goes to the real adapter. */
class FaultInjector {
  armed?: { target: Target; method: string; cluster: string; failOnCall: number; calls: number };

  wrap<T extends object>(target: Target, real: T): T {
    return new Proxy(real, {
      get: (obj, property, receiver) => {
        const value = Reflect.get(obj, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const armed = this.armed;
          const cluster = typeof args[0] === 'string' ? args[0] : (args[0] as { name?: string })?.name;
          if (armed && armed.target === target && armed.method === property && armed.cluster === cluster) {
            armed.calls++;
            if (armed.calls === armed.failOnCall) {
              this.armed = undefined;
              throw new DependencyError(`injected: ${String(property)} refused (AccessDeniedException)`);
            }
          }
          return value.apply(obj, args);
        };
      },
    });
  }
}

describe('chaos: a failure at each provisioning step', () => {
  let runtime: TestRuntime;
  const faults = new FaultInjector();
  const eks = new EKSClient(awsClientConfig());
  beforeAll(async () => {
    runtime = await startTestRuntime({ autoAdvance: true });
    // Every function keeps its own role's clients (its calls go through the AWS gate as that role, and its
    // Kubernetes calls with that role's EKS token): the faults wrap each function's own adapters.
    for (const fn of readServerlessManifest(REPO_ROOT).functions) {
      const container = runtime.containerFor(fn.name);
      container.clusters = faults.wrap('clusters', container.clusters);
    }
    const baselineStep = runtime.containerFor('provisionApplyBaseline');
    baselineStep.baseline = faults.wrap('baseline', baselineStep.baseline);
  });
  afterAll(async () => {
    await deleteClustersMade();
    await runtime?.close();
  });

  it.each(injections)(
    '$step fails (onFailure keep): Failed naming the step, the error and what exists; the retry resumes there',
    async ({ step, target, method, failOnCall }) => {
      // Prepare
      const spec = { ...fullSpec(uniqueName('keep')), onFailure: 'keep' };
      faults.armed = { target, method, cluster: spec.name, failOnCall, calls: 0 };

      // Act
      const accepted = await api(runtime, 'POST', '/clusters', spec);
      const failed = await operationDone(runtime, accepted.body.operationId);
      const retry = await api(runtime, 'POST', `/operations/${accepted.body.operationId}/retry`);
      const retried = await operationDone(runtime, accepted.body.operationId);

      // Assess
      expect(failed.status).toBe('Failed');
      expect(failed.error).toMatchObject({ code: 'DependencyError', step });
      expect(failed.error.message).toContain('injected');
      expect(failed.error.exists).toHaveProperty('controlPlane');
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ resumeFrom: step, run: 2 });
      expect(retried.status).toBe('Succeeded');
      expect(retried.error).toBeUndefined();
      // Steps done before the failure are not done again: one control-plane request in all, unless that failed.
      expect(retried.cost.invocations.requestControlPlane).toBe(step === 'RequestControlPlane' ? 2 : 1);
      expect((await eks.send(new DescribeClusterCommand({ name: spec.name }))).cluster?.status).toBe('ACTIVE');
    },
    90000,
  );

  it.each(injections)(
    '$step fails (onFailure rollback, the default for a new cluster): nothing it created is left',
    async ({ target, method, failOnCall }) => {
      // Prepare
      const spec = fullSpec(uniqueName('rb'));
      faults.armed = { target, method, cluster: spec.name, failOnCall, calls: 0 };

      // Act
      const accepted = await api(runtime, 'POST', '/clusters', spec);
      const failed = await operationDone(runtime, accepted.body.operationId, 120000);

      // Assess
      expect(failed.status).toBe('Failed');
      await expect(eks.send(new DescribeClusterCommand({ name: spec.name }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      // A control plane that was never created leaves nothing to roll back.
      const createdSomething = method !== 'createCluster';
      expect(failed.rolledBack ?? false).toBe(createdSomething);
      expect(failed.steps.some((s: { name: string }) => s.name === 'RolledBack')).toBe(createdSomething);
      if (createdSomething) expect(failed.created).toContainEqual({ type: 'controlPlane', name: spec.name });
    },
    90000,
  );
});
