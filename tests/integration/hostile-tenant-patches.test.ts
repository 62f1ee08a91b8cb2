/**
 * Issue 16 items 1–3 and 8 (patches): a hostile tenant holding only the restricted identity, limited by a policy
 * file (EKSFLOW_ACCESS_POLICY_FILE) to `team-*` namespaces and images under `registry.example.com/team/`, tries
 * to reach past its own service through a rollout's image and podTemplatePatch. Every attempt is a 400 naming
 * the field, and leaves the Deployment's spec and the store as they were; fuzzed patches too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { KubeClusterBaseline } from '../../shared/adapters/kube/kube-baseline';
import { KubeClientFactory } from '../../shared/adapters/kube/kube-clients';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { createApp, deployment, waitForRollout, type App } from '../helpers/rollout-fixtures';
import { apiAs, kube, startTestRuntime, type TestRuntime, testStack, uniqueName } from '../helpers/stack';

describe('hostile tenant: patches and images stay within the statement', () => {
  const ADMIN = SANDBOX_ADMIN.principalArn;
  const TENANT = SANDBOX_RESTRICTED.principalArn;
  const GOOD_IMAGE = 'registry.example.com/team/app:2';
  let runtime: TestRuntime;
  let app: App;

  const rollout = (extra: Record<string, unknown>) => ({
    cluster: 'sandbox',
    namespace: app.namespace,
    deployment: 'web',
    image: GOOD_IMAGE,
    canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
    ...extra,
  });
  const container = (fields: Record<string, unknown>) => ({ spec: { containers: [{ name: 'web', ...fields }] } });

  /** What a refusal must not change: the Deployment's spec, no new version, and the rollout records. */
  async function snapshot() {
    const stable = await deployment(app.namespace, 'web');
    const listed = await apiAs(ADMIN, runtime, 'GET', `/rollouts?cluster=sandbox&namespace=${app.namespace}`);
    expect(listed.status).toBe(200);
    return {
      spec: stable?.spec,
      canary: (await deployment(app.namespace, 'web-canary')) !== undefined,
      rollouts: listed.body.rollouts.map((r: { id: string }) => r.id).sort(),
    };
  }

  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'eksflow-hostile-')), 'policy.yaml');
    writeFileSync(
      file,
      [
        'statements:',
        `  - {sid: admin, principals: ["${ADMIN}"], clusters: ["*"], namespaces: ["*"], actions: [read, rollout, abort]}`,
        '  - sid: team-developers',
        `    principals: ["${TENANT}"]`,
        '    clusters: [sandbox]',
        '    namespaces: ["team-*"]',
        '    actions: [read, rollout, abort]',
        '    imageRegistries: ["registry.example.com/team/"]',
      ].join('\n'),
    );
    runtime = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: file } });
    app = await createApp({ replicas: 2, namespacePrefix: 'team' });
  }, 60000);
  afterAll(async () => runtime?.close());

  it.each([
    [
      'an Istio proxy-image annotation',
      { podTemplatePatch: { metadata: { annotations: { 'sidecar.istio.io/proxyImage': 'evil.io/proxy:1' } } } },
      'podTemplatePatch.metadata.annotations.sidecar.istio.io/proxyImage',
    ],
    [
      'a kube2iam role annotation',
      { podTemplatePatch: { metadata: { annotations: { 'iam.amazonaws.com/role': 'admin' } } } },
      'podTemplatePatch.metadata.annotations.iam.amazonaws.com/role',
    ],
    [
      'a mesh opt-out label',
      { podTemplatePatch: { metadata: { labels: { 'sidecar.istio.io/inject': 'false' } } } },
      'podTemplatePatch.metadata.labels.sidecar.istio.io/inject',
    ],
    ['an image path beside the team (team-evil)', { image: 'registry.example.com/team-evil/x:1' }, 'image'],
    ['a host that only starts like the registry', { image: 'registry.example.com.evil.io/team/x:1' }, 'image'],
    ['a Docker Hub familiar name', { image: 'team/x:1' }, 'image'],
    [
      'a patch image beside the team',
      { image: undefined, podTemplatePatch: container({ image: 'registry.example.com/team-evil/x:1' }) },
      'podTemplatePatch.spec.containers.0.image',
    ],
    [
      'a probe host on the metadata service',
      { podTemplatePatch: container({ livenessProbe: { httpGet: { host: '169.254.169.254', path: '/', port: 80 } } }) },
      'podTemplatePatch.spec.containers.0.livenessProbe.httpGet.host',
    ],
    [
      'a tcpSocket readiness probe elsewhere',
      { podTemplatePatch: container({ readinessProbe: { tcpSocket: { host: '10.0.0.1', port: 5432 } } }) },
      'podTemplatePatch.spec.containers.0.readinessProbe.tcpSocket.host',
    ],
    [
      'a secretKeyRef',
      {
        podTemplatePatch: container({
          env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'other-team-db', key: 'password' } } }],
        }),
      },
      'podTemplatePatch.spec.containers.0.env.0.valueFrom.secretKeyRef',
    ],
    [
      'eight GPUs',
      { podTemplatePatch: container({ resources: { limits: { 'nvidia.com/gpu': '8' } } }) },
      'podTemplatePatch.spec.containers.0.resources.limits.nvidia.com/gpu',
    ],
    [
      '900Gi of memory',
      { podTemplatePatch: container({ resources: { requests: { memory: '900Gi' } } }) },
      'podTemplatePatch.spec.containers.0.resources.requests.memory',
    ],
  ])('%s → 400 naming the field, and nothing changes', async (_name, extra, field) => {
    // Prepare
    const before = await snapshot();

    // Act
    const response = await apiAs(TENANT, runtime, 'POST', '/rollouts', rollout(extra));

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
    expect(await snapshot()).toEqual(before);
  });

  it('an image under registry.example.com/team/ is accepted, and the new version runs it', async () => {
    // Act
    const response = await apiAs(TENANT, runtime, 'POST', '/rollouts', rollout({}));

    // Assess
    expect(response.status).toBe(202);
    await waitForRollout(runtime, response.body.id, (r) => r.status === 'Paused');
    const canary = await deployment(app.namespace, 'web-canary');
    expect(canary?.spec?.template.spec?.containers[0].image).toBe(GOOD_IMAGE);
    expect((await apiAs(TENANT, runtime, 'POST', `/rollouts/${response.body.id}/abort`)).status).toBe(200);
    await waitForRollout(runtime, response.body.id, (r) => r.status === 'Aborted');
  }, 60000);

  /** A piece of a patch: harmless, or hostile with the field its refusal must name. */
  interface Piece {
    image?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    container?: Record<string, unknown>;
    spec?: Record<string, unknown>;
    hostileField?: string;
  }
  const at = 'podTemplatePatch.spec.containers.0';
  const goodImage: fc.Arbitrary<Piece> = fc.nat(99).map((n) => ({ image: `registry.example.com/team/app:${n}` }));
  const goodAnnotation: fc.Arbitrary<Piece> = fc.constant({
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-07T00:00:00Z' },
  });
  const goodContainer: fc.Arbitrary<Piece> = fc.constantFrom(
    { container: { readinessProbe: { httpGet: { path: '/', port: 80 } } } },
    { container: { env: [{ name: 'MODE', value: 'fast' }] } },
    { container: { resources: { requests: { cpu: '100m', memory: '64Mi' } } } },
  );
  const imagePiece: fc.Arbitrary<Piece> = fc.oneof(
    goodImage,
    fc
      .constantFrom(
        'registry.example.com/team-evil/x:1',
        'registry.example.com.evil.io/team/x:1',
        'registry.example.com:443/team/x:1',
        'registry.example.com/team:1',
        'evil.io/registry.example.com/team/x:1',
        'nginx:1.28',
        'team/x',
        'REGISTRY.example.com/Team/x',
      )
      .map((image) => ({ image, hostileField: 'image' })),
  );
  const annotationPiece: fc.Arbitrary<Piece> = fc.oneof(
    goodAnnotation,
    fc
      .oneof(
        fc.constantFrom(
          'sidecar.istio.io/proxyImage',
          'sidecar.istio.io/userVolume',
          'iam.amazonaws.com/role',
          'container.apparmor.security.beta.kubernetes.io/web',
        ),
        fc.stringMatching(/^[a-z]{1,8}\.[a-z]{2,4}\/[a-z][a-z-]{0,10}$/),
      )
      .map((key) => ({ annotations: { [key]: 'x' }, hostileField: `podTemplatePatch.metadata.annotations.${key}` })),
  );
  const labelPiece: fc.Arbitrary<Piece> = fc
    .constantFrom('sidecar.istio.io/inject', 'app.kubernetes.io/managed-by', 'eksflow.io/revision', 'tier')
    .map((key) => ({ labels: { [key]: 'x' }, hostileField: `podTemplatePatch.metadata.labels.${key}` }));
  const containerPiece: fc.Arbitrary<Piece> = fc.oneof(
    goodContainer,
    fc.constantFrom('livenessProbe', 'readinessProbe', 'startupProbe').chain((probe) =>
      fc.constantFrom('httpGet', 'tcpSocket').map((kind) => ({
        container: { [probe]: { [kind]: { host: '169.254.169.254', port: 80 } } },
        hostileField: `${at}.${probe}.${kind}.host`,
      })),
    ),
    fc.constantFrom('secretKeyRef', 'configMapKeyRef').map((ref) => ({
      container: { env: [{ name: 'X', valueFrom: { [ref]: { name: 'anything', key: 'k' } } }] },
      hostileField: `${at}.env.0.valueFrom.${ref}`,
    })),
    fc
      .constantFrom(['memory', '900Gi'], ['cpu', '64'], ['nvidia.com/gpu', '1'], ['hugepages-2Mi', '1Gi'])
      .map(([resource, amount]) => ({
        container: { resources: { limits: { [resource]: amount } } },
        hostileField: `${at}.resources.limits.${resource}`,
      })),
    fc.constantFrom('securityContext', 'command', 'volumeMounts', 'lifecycle', 'envFrom').map((field) => ({
      container: { [field]: field === 'securityContext' ? { privileged: true } : [] },
      hostileField: `${at}.${field}`,
    })),
  );
  const specPiece: fc.Arbitrary<Piece> = fc
    .constantFrom('hostNetwork', 'serviceAccountName', 'volumes', 'nodeName')
    .map((field) => ({
      spec: { [field]: field === 'volumes' ? [] : 'x' },
      hostileField: `podTemplatePatch.spec.${field}`,
    }));

  it('fuzzed hostile patches: each is a 400 naming one of its hostile fields, and changes nothing (property)', async () => {
    const anyPieces = fc.tuple(
      imagePiece,
      fc.option(annotationPiece, { nil: undefined }),
      fc.option(labelPiece, { nil: undefined }),
      // Distinct container fields, so that no piece overwrites another's.
      fc.uniqueArray(containerPiece, { maxLength: 2, selector: (p) => Object.keys(p.container ?? {})[0] }),
      fc.option(specPiece, { nil: undefined }),
    );
    // One case in four is harmless throughout, so that acceptance is exercised as well as refusal.
    const cleanPieces = fc.tuple(
      goodImage,
      fc.option(goodAnnotation, { nil: undefined }),
      fc.constant(undefined),
      fc.uniqueArray(goodContainer, { maxLength: 2, selector: (p) => Object.keys(p.container ?? {})[0] }),
      fc.constant(undefined),
    );
    const pieces = fc.oneof({ weight: 1, arbitrary: cleanPieces }, { weight: 3, arbitrary: anyPieces });
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(pieces, async ([image, annotation, label, containerParts, spec]) => {
        const all = [image, annotation, label, ...containerParts, spec].filter((p): p is Piece => p !== undefined);
        const live = all.flatMap((p) => (p.hostileField ? [p.hostileField] : []));
        const containerFields = Object.assign({}, ...containerParts.map((p) => p.container));
        const patch = {
          metadata: { annotations: annotation?.annotations ?? {}, labels: label?.labels ?? {} },
          spec: { ...spec?.spec, containers: [{ name: 'web', ...containerFields }] },
        };
        const before = await snapshot();

        const response = await apiAs(
          TENANT,
          runtime,
          'POST',
          '/rollouts',
          rollout({ image: image.image, podTemplatePatch: patch }),
        );

        if (live.length === 0) {
          // Nothing hostile survived: accepted, within the statement. Abort it so the Deployment is free again.
          expect(response.status).toBe(202);
          seen.accepted++;
          await waitForRollout(runtime, response.body.id, (r) => r.status === 'Paused');
          expect((await deployment(app.namespace, 'web-canary'))?.spec?.template.spec?.containers[0].image).toBe(
            image.image,
          );
          expect((await apiAs(TENANT, runtime, 'POST', `/rollouts/${response.body.id}/abort`)).status).toBe(200);
          await waitForRollout(runtime, response.body.id, (r) => r.status === 'Aborted');
          return;
        }
        seen.refused++;
        expect(response.status).toBe(400);
        const fields = response.body.error.details.map((d: { field: string }) => d.field);
        expect(fields.length).toBeGreaterThan(0);
        for (const field of fields) expect(live).toContain(field);
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 40 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 240000);

  it('a policy file granting principal * (or a wildcard account) fails closed: every request is a 500, nothing is allowed', async () => {
    // Prepare: a deployment whose policy grants everyone everything in team-*.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'eksflow-wide-')), 'policy.yaml');
    writeFileSync(
      file,
      'statements:\n  - {sid: everyone, principals: ["arn:aws:iam::*:role/*"], clusters: ["*"], namespaces: ["team-*"], actions: [rollout]}\n',
    );
    const wide = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: file } });
    try {
      const before = await snapshot();

      // Act
      const response = await apiAs(TENANT, wide, 'POST', '/rollouts', rollout({}));

      // Assess: refused at load, so the request never reaches authorization; the internal error says nothing.
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toContain('arn:');
      expect(await snapshot()).toEqual(before);
    } finally {
      await wide.close();
    }
  }, 60000);

  it.each([
    ['baseline', undefined, { privileged: true }],
    ['restricted', 'restricted' as const, { runAsNonRoot: false }],
  ])(
    'a namespace the cluster baseline applies enforces Pod Security %s: a pod above it is refused',
    async (level, podSecurity, securityContext) => {
      // Prepare: the baseline adapter applies the spec's namespace to the sandbox cluster, as provisioning does.
      const { controlPlane } = testStack();
      const baseline = new KubeClusterBaseline(
        new KubeClientFactory({
          connect: async () => ({
            server: controlPlane.server,
            caData: controlPlane.caData,
            token: controlPlane.token,
          }),
        }),
      );
      const name = uniqueName('team-psa');
      await baseline.applyNamespace('sandbox', { name, labels: {}, networkPolicy: 'none', podSecurity });

      // Act
      const attempt = kube().core.createNamespacedPod({
        namespace: name,
        body: {
          metadata: { name: 'root' },
          spec: { containers: [{ name: 'x', image: GOOD_IMAGE, securityContext }] },
        },
      });

      // Assess
      await expect(attempt).rejects.toMatchObject({
        code: 403,
        body: expect.stringMatching(new RegExp(`violates PodSecurity \\W*${level}:latest`)),
      });
      const namespace = await kube().core.readNamespace({ name });
      expect(namespace.metadata?.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': level });
      await kube().core.deleteNamespace({ name });
    },
  );
});
