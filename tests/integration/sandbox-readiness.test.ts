import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import { REPO_ROOT } from '../../local/runtime';
import { type ControlPlane, startControlPlane } from '../../local/sandbox/control-plane';
import { sampleCapacity } from '../helpers/capacity';
import { defined } from '../helpers/defined';
import { deployment } from '../helpers/rollout-fixtures';
import { eventually, kube, uniqueName } from '../helpers/stack';

/** The annotation that delays a simulated pod's readiness (tools/kube-control-plane/README.md). */
const READY_AFTER = 'sandbox.eksflow.io/ready-after-seconds';

function deploymentOf(name: string, replicas: number, labels: Record<string, string>, readyAfter?: string) {
  const annotations: Record<string, string> = readyAfter === undefined ? {} : { [READY_AFTER]: readyAfter };
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  } satisfies V1Deployment;
}

async function newNamespace(): Promise<string> {
  const namespace = uniqueName('ready');
  await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
  return namespace;
}

async function waitReadyReplicas(namespace: string, name: string, replicas: number): Promise<void> {
  await eventually(
    `${namespace}/${name} has ${replicas} ready replicas`,
    async () => ((await deployment(namespace, name))?.status?.readyReplicas === replicas ? true : undefined),
    30000,
  );
}

const podsOf = async (namespace: string, labelSelector: string) =>
  (await kube().core.listNamespacedPod({ namespace, labelSelector })).items;

const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);

/**
 * The delay's length is timed on a fake clock in tools/kube-control-plane/readiness_test.go (a pod annotated "2" is
 * not Ready 1 ms before 2 s, and Ready at 2 s by its own timestamps). Here, on the real control plane, the order:
 * Running but not Ready while the delay lasts (an hour: no test outlives it), Ready once it is over.
 */
const HOUR = '3600';

/** The pod's delay set to `seconds` (0: over at once, since the pod has started). */
const setReadyAfter = (core: CoreV1Api, namespace: string, name: string, seconds: string) =>
  core.patchNamespacedPod({
    namespace,
    name,
    // JSON Pointer escapes "/" in the annotation's name as ~1; `add` replaces a value already there.
    body: [{ op: 'add', path: `/metadata/annotations/${READY_AFTER.replace('/', '~1')}`, value: seconds }],
  });

describe('sandbox readiness delay', () => {
  it('keeps annotated pods Running but not Ready while their delay lasts, and makes them Ready once it is over', async () => {
    // Prepare
    const namespace = await newNamespace();
    const { apps, core } = kube();

    // Act
    await apps.createNamespacedDeployment({ namespace, body: deploymentOf('slow', 3, { app: 'slow' }, HOUR) });
    const running = await eventually('3 pods Running', async () => {
      const pods = await podsOf(namespace, 'app=slow');
      return pods.length === 3 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
    });

    // Assess: Running with Ready=False (ContainersNotReady), the container not ready
    for (const pod of running) {
      expect(condition(pod, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
      expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    }
    expect((await deployment(namespace, 'slow'))?.status?.readyReplicas ?? 0).toBe(0);

    // Act: the delay is over
    for (const pod of running)
      await setReadyAfter(core, namespace, defined(pod.metadata?.name, "a listed pod's name"), '0');
    await waitReadyReplicas(namespace, 'slow', 3);

    // Assess: the same pods, now Ready
    const ready = await podsOf(namespace, 'app=slow');
    expect(ready.map((p) => p.metadata?.uid).sort()).toEqual(running.map((p) => p.metadata?.uid).sort());
    for (const pod of ready) {
      expect(condition(pod, 'Ready')?.status).toBe('True');
      expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
    }
  });

  it('sampleCapacity counts each Ready, non-terminating pod once across overlapping selectors', async () => {
    // Prepare: 3 Ready stable pods (app=web); a "canary" whose pods the stable selector also matches.
    const namespace = await newNamespace();
    const { apps } = kube();
    await apps.createNamespacedDeployment({ namespace, body: deploymentOf('web', 3, { app: 'web' }) });
    await waitReadyReplicas(namespace, 'web', 3);
    const sampler = sampleCapacity(namespace, ['web', 'web-canary'], 50);

    // Act: the canary's 2 pods take 1 s to become Ready, then the canary goes.
    await apps.createNamespacedDeployment({
      namespace,
      body: deploymentOf('web-canary', 2, { app: 'web', track: 'canary' }, '1'),
    });
    await waitReadyReplicas(namespace, 'web-canary', 2);
    await eventually('a sample with the canary Ready', async () => {
      const pods = await podsOf(namespace, 'app=web');
      return pods.filter((p) => condition(p, 'Ready')?.status === 'True').length === 5 ? true : undefined;
    });
    await eventually('the sampler to see full capacity', async () =>
      sampler.seen().some((s) => s.ready === 5) ? true : undefined,
    );
    await apps.deleteNamespacedDeployment({ namespace, name: 'web-canary' });
    await eventually('canary pods gone', async () =>
      (await podsOf(namespace, 'track=canary')).length === 0 ? true : undefined,
    );
    const report = await sampler.stop();

    // Assess: never below stable (canary pods were not Ready yet), 5 at most (not 7: no double count),
    // and back to 3 at the end.
    const counts = report.samples.map((s) => s.ready);
    expect(report.min).toBe(3);
    expect(Math.max(...counts)).toBe(5);
    expect(counts.at(-1)).toBe(3);
    expect(report.samples.map((s) => s.at)).toEqual([...report.samples.map((s) => s.at)].sort((a, b) => a - b));
  });
});

describe('a control plane started with a default readiness delay', () => {
  let controlPlane: ControlPlane | undefined;
  afterAll(async () => controlPlane?.stop());

  it('keeps a pod without the annotation not Ready for the default delay, which the annotation overrides', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-ready-after-'));
    controlPlane = await startControlPlane(REPO_ROOT, dir, () => undefined, { readyAfterSeconds: Number(HOUR) });
    const core = kubeConfigFor('ready-after', controlPlane).makeApiClient(CoreV1Api);
    const namespace = 'default';
    await eventually('default service account', () =>
      core.readNamespacedServiceAccount({ namespace, name: 'default' }).then(() => true),
    );

    // Act
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    });
    const running = await eventually('pod Running', async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'plain' });
      return p.status?.phase === 'Running' ? p : undefined;
    });

    // Assess: the default delay holds it back (without it, the pod is Ready as it starts)
    expect(condition(running, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });

    // Act: an annotation of 0 overrides the default
    await core.patchNamespacedPod({
      namespace,
      name: 'plain',
      body: [{ op: 'add', path: '/metadata/annotations', value: { [READY_AFTER]: '0' } }],
    });

    // Assess
    await eventually('pod Ready', async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'plain' });
      return condition(p, 'Ready')?.status === 'True' ? p : undefined;
    });
  }, 60000);
});
