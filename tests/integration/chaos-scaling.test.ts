import { randomUUID } from 'node:crypto';
import type { WorkflowStarter } from '../../core/operations/ports/workflows';
import { firePolicy, fireSchedule } from '../../core/scaling/commands/fire-triggers';
import { startScale } from '../../core/scaling/commands/start-scale';
import { nodegroupLock } from '../../core/scaling/domain/records';
import { applyScaling, checkScaling, completeScaling } from '../../core/scaling/steps/scale-steps';
import type { Container } from '../../core/wiring/container';
import { startRuntimeChild } from '../helpers/crash-harness';
import { type FaultProxies, startFaultProxies } from '../helpers/fault-proxies';
import { createNodegroup, emulatorNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { api, eventually, startTestRuntime, type TestRuntime, testTableName } from '../helpers/stack';

/** Issue 10: the scale workflow under a crash halfway, repeated tasks, and throttled or failing AWS calls. */
describe('chaos: the scale-nodegroup workflow', () => {
  const path = (ng: NodegroupFixture, rest = '') => `/clusters/${ng.cluster}/nodegroups/${ng.name}${rest}`;
  const finished = (runtime: { url: string }, id: string, timeoutMs = 30000) => {
    let last: unknown;
    return eventually(
      `operation ${id} to finish`,
      async () => {
        const { status, body } = await api(runtime, 'GET', `/operations/${id}`);
        if (status === 200) last = body;
        // A client retries a 5xx (the read itself may meet a fault).
        return status !== 200 || body.status === 'Running' ? undefined : body;
      },
      timeoutMs,
      200,
    ).catch((error: Error) => {
      // Names where it stopped: its steps and its run's last states.
      throw new Error(`${error.message}; last read: ${JSON.stringify(last)}`);
    });
  };

  it('killed while it waits for the update, the restarted runtime resumes the run: Succeeded, right size, lock released', async () => {
    // Prepare
    const table = testTableName();
    const first = await startRuntimeChild({ table });
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 4 });

    // Act: start the change, crash once the update is requested, restart on the same table
    const accepted = await api(first, 'POST', path(ng, '/scale'), { desiredSize: 7 });
    await eventually('the update to be requested', async () => {
      const { body } = await api(first, 'GET', `/operations/${accepted.body.operationId}`);
      return body.steps.some((s: { name: string }) => s.name === 'UpdateRequested') ? true : undefined;
    });
    await first.kill();
    const second = await startRuntimeChild({ table, recovery: { sweepIntervalMs: 500 } });
    try {
      // The lock is young: a run may just be starting. Past the grace, the sweep resumes it.
      await api(second, 'POST', '/_local/clock', { advanceSeconds: 60 });
      const operation = await finished(second, accepted.body.operationId);
      const view = (await api(second, 'GET', path(ng))).body;

      // Assess
      expect(accepted.status).toBe(202);
      expect(operation.status).toBe('Succeeded');
      const names = operation.steps.map((s: { name: string }) => s.name);
      expect(names.filter((n: string) => n === 'UpdateRequested')).toHaveLength(1);
      expect(names).toContain('Resumed1');
      expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', desiredSize: 7 });
      expect(view.activeOperationId).toBeUndefined();
      expect((await api(second, 'POST', path(ng, '/scale'), { desiredSize: 3 })).status).toBe(202);
    } finally {
      await second.stop();
    }
  }, 120000);

  describe('tasks run twice, and a crash between the update call and its record', () => {
    let runtime: TestRuntime;
    let c: Container;
    /** Records what would start, starts nothing: the test runs the steps itself. */
    const started: string[] = [];
    const idle: WorkflowStarter = {
      start: async (_w, name) => {
        started.push(name);
        return { executionId: name };
      },
      stop: async () => undefined,
      status: async () => 'RUNNING',
    };
    beforeAll(async () => {
      runtime = await startTestRuntime();
      c = { ...runtime.container, workflows: idle };
    }, 60000);
    afterAll(async () => runtime?.close());

    async function scale(ng: NodegroupFixture, desiredSize: number) {
      const result = await startScale(
        c,
        { cluster: ng.cluster, nodegroup: ng.name },
        { by: 'request', request: { kind: 'desired', desiredSize } },
        { kind: 'api', principal: 'test' },
      );
      if (!result.started) throw new Error(result.reason);
      return { operationId: result.operationId, cluster: ng.cluster, nodegroup: ng.name, waitSeconds: 1 };
    }

    it('apply twice → one UpdateNodegroupConfig; complete twice → completed once, lock released once', async () => {
      // Prepare
      const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 0.5 });
      const input = await scale(ng, 4);

      // Act
      await applyScaling(c, input);
      const afterFirst = await c.operations.get(input.operationId);
      await applyScaling(c, input);
      await eventually('the update to complete', async () => ((await checkScaling(c, input)).done ? true : undefined));
      await completeScaling(c, input);
      await completeScaling(c, input);
      const op = await c.operations.get(input.operationId);

      // Assess
      expect(op?.status).toBe('Succeeded');
      expect(op?.scale?.updateId).toBe(afterFirst?.scale?.updateId);
      expect(op?.steps.map((s) => s.name)).toEqual(['Requested', 'UpdateRequested', 'Completed']);
      expect(await c.operations.lockHolder(nodegroupLock(ng.cluster, ng.name))).toBeUndefined();
      expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', desiredSize: 4 });
    });

    it('a schedule or policy firing that cannot start its run uses up neither the occurrence nor the cooldown (DynamoDB)', async () => {
      // Prepare
      const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });
      const createdAt = new Date().toISOString();
      await c.scaling.createSchedule({
        cluster: ng.cluster,
        nodegroup: ng.name,
        name: 'night',
        schedule: 'rate(1 day)',
        timezone: 'UTC',
        desiredSize: 5,
        createdAt,
        createdBy: 'test',
      });
      const policy = {
        cluster: ng.cluster,
        nodegroup: ng.name,
        name: 'up',
        alarm: 'a',
        state: 'ALARM' as const,
        adjustment: { type: 'change' as const, value: 1 },
        cooldownSeconds: 600,
        createdAt,
        createdBy: 'test',
      };
      await c.scaling.createPolicy(policy);
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottledError' });
      const failing: Container = { ...c, workflows: { ...idle, start: async () => Promise.reject(throttled) } };
      const target = { cluster: ng.cluster, nodegroup: ng.name };

      // Act
      const scheduleFailure = await fireSchedule(failing, { ...target, schedule: 'night' }, createdAt).catch((e) => e);
      const policyFailure = await firePolicy(failing, policy).catch((e) => e);
      const stored = {
        schedule: await c.scaling.getSchedule(ng.cluster, ng.name, 'night'),
        policy: (await c.scaling.listPolicies(ng.cluster, ng.name))[0],
        lock: await c.operations.lockHolder(nodegroupLock(ng.cluster, ng.name)),
      };
      const retried = await fireSchedule(c, { ...target, schedule: 'night' }, createdAt);

      // Assess
      expect([scheduleFailure, policyFailure]).toEqual([throttled, throttled]);
      expect(stored.schedule?.lastOccurrence).toBeUndefined();
      expect(stored.policy?.lastFiredAt).toBeUndefined();
      expect(stored.lock).toBeUndefined();
      expect(retried).toMatchObject({ started: true, to: { desiredSize: 5 } });
    });

    it('the update went through but its id was never recorded (a crash): the re-run waits on the group, not a new update', async () => {
      // Prepare: the call the crashed task made
      const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 1 });
      const input = await scale(ng, 5);
      await c.nodegroups.updateScaling(ng.cluster, ng.name, { minSize: 1, maxSize: 10, desiredSize: 5 }, randomUUID());

      // Act
      const applied = await applyScaling(c, input);
      const done = await eventually('the group to be ACTIVE', async () =>
        (await checkScaling(c, input)).done ? true : undefined,
      );
      await completeScaling(c, input);
      const op = await c.operations.get(input.operationId);

      // Assess
      expect(applied.done).toBe(false);
      expect(done).toBe(true);
      expect(op?.status).toBe('Succeeded');
      expect(op?.steps.find((s) => s.name === 'UpdateRequested')?.detail).toBe('found the update in progress');
      expect(op?.scale?.updateId).toBeUndefined();
      expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', desiredSize: 5 });
    });
  });

  describe('through a fault proxy failing 40 % of AWS calls (throttling, 5xx, dropped before or after)', () => {
    let proxies: FaultProxies;
    let runtime: TestRuntime;
    beforeAll(async () => {
      proxies = await startFaultProxies({ rate: 0 });
      // Retry backoffs (2 s doubling, up to 30 s) and the waits for the update pass on the test clock. The sweep runs
      // as the deployed schedule runs it: a StartExecution whose answer the proxy lost leaves an operation with no
      // run (the retried POST meets it, 409), and only the sweep gives it one, after the abandoned-run grace.
      runtime = await startTestRuntime({
        awsEndpoint: proxies.aws.url,
        autoAdvance: true,
        recovery: { sweepIntervalMs: 1000 },
      });
    }, 60000);
    afterAll(async () => {
      await runtime?.close();
      await proxies?.close();
    });

    it('every change ends Succeeded at its size, one at a time, and the lock is released', async () => {
      // Prepare
      const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 1, updateSeconds: 0.5 });
      const sizes = [3, 6, 2];
      proxies.setFaults({ rate: 0.4, kinds: ['throttle', 'error5xx', 'dropBefore', 'dropAfter'], seed: 10 });

      // Act: each request retried by the client as a client should (5xx and dropped answers, never a 4xx)
      const outcomes = [];
      for (const desiredSize of sizes) {
        const id = await requestUntilAccepted(ng, desiredSize);
        outcomes.push(await finished(runtime, id, 60000));
      }
      proxies.setFaults({ rate: 0 });

      // Assess
      expect(outcomes.map((o) => [o.status, o.error])).toEqual(sizes.map(() => ['Succeeded', undefined]));
      expect(outcomes.map((o) => o.scale.to.desiredSize)).toEqual(sizes);
      expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', desiredSize: 2 });
      // The lock goes right after the operation's end is recorded.
      await eventually('the lock to be released', async () =>
        (await api(runtime, 'GET', path(ng))).body.activeOperationId === undefined ? true : undefined,
      );
    }, 180000);

    /** A retried POST whose first answer was lost meets its own change: the 409 names it. */
    async function requestUntilAccepted(ng: NodegroupFixture, desiredSize: number): Promise<string> {
      for (let attempt = 0; attempt < 30; attempt++) {
        const response = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize }).catch(() => undefined);
        if (response?.status === 202) return response.body.operationId;
        if (response?.status === 409) {
          const holder = /operation (\S+) is changing it/.exec(response.body.error.details[0]?.reason ?? '')?.[1];
          if (holder) {
            const op = (await api(runtime, 'GET', `/operations/${holder}`)).body;
            if (op.scale?.to.desiredSize === desiredSize) return holder;
            await finished(runtime, holder, 60000);
          }
        }
        if (response && response.status < 500 && response.status !== 409)
          throw new Error(`refused: ${response.status} ${JSON.stringify(response.body)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('never accepted');
    }
  });
});
