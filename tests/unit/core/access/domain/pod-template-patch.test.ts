import fc from 'fast-check';
import {
  CONTAINER_RELEASE_FIELDS,
  checkPodTemplatePatch,
  type PatchAllowance,
} from '../../../../../core/access/domain/pod-template-patch';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/';
const fieldsOf = (problems: { field: string }[]) => problems.map((p) => p.field);

describe('checkPodTemplatePatch: release fields pass', () => {
  it.each([
    ['an image', { spec: { containers: [{ name: 'web', image: 'nginx:1.29' }] } }],
    ['env and args', { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }], args: ['--fast'] }] } }],
    ['resources', { spec: { containers: [{ name: 'web', resources: { limits: { cpu: '1' } } }] } }],
    [
      'the three probes',
      {
        spec: {
          containers: [
            { name: 'web', livenessProbe: {}, readinessProbe: { httpGet: { path: '/' } }, startupProbe: {} },
          ],
        },
      },
    ],
    ["kubectl's restart annotation", { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } }],
  ])('%s', (_name, patch) => {
    // Act / Assess
    expect(checkPodTemplatePatch(patch, undefined)).toEqual([]);
  });
});

describe('checkPodTemplatePatch: anything else is refused, naming the field', () => {
  it.each([
    [
      'privileged',
      { spec: { containers: [{ name: 'web', securityContext: { privileged: true } }] } },
      'podTemplatePatch.spec.containers.0.securityContext',
    ],
    ['a pod securityContext', { spec: { securityContext: { runAsUser: 0 } } }, 'podTemplatePatch.spec.securityContext'],
    ['removing the pod securityContext', { spec: { securityContext: null } }, 'podTemplatePatch.spec.securityContext'],
    [
      'a hostPath volume',
      { spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }] } },
      'podTemplatePatch.spec.volumes',
    ],
    ['hostNetwork', { spec: { hostNetwork: true } }, 'podTemplatePatch.spec.hostNetwork'],
    ['hostPID', { spec: { hostPID: true } }, 'podTemplatePatch.spec.hostPID'],
    [
      'serviceAccountName',
      { spec: { serviceAccountName: 'cluster-admin' } },
      'podTemplatePatch.spec.serviceAccountName',
    ],
    [
      'initContainers',
      { spec: { initContainers: [{ name: 'x', image: 'busybox' }] } },
      'podTemplatePatch.spec.initContainers',
    ],
    [
      'volumeMounts',
      { spec: { containers: [{ name: 'web', volumeMounts: [{ name: 'root', mountPath: '/h' }] }] } },
      'podTemplatePatch.spec.containers.0.volumeMounts',
    ],
    [
      'a command',
      { spec: { containers: [{ name: 'web', command: ['sh'] }] } },
      'podTemplatePatch.spec.containers.0.command',
    ],
    ['metadata.name', { metadata: { name: 'x' } }, 'podTemplatePatch.metadata.name'],
    ['a key beside spec', { status: {} }, 'podTemplatePatch.status'],
    [
      "eksflow's revision label",
      { metadata: { labels: { 'eksflow.io/revision': 'x' } } },
      'podTemplatePatch.metadata.labels.eksflow.io/revision',
    ],
    ["eksflow's version label", { metadata: { labels: { version: 'x' } } }, 'podTemplatePatch.metadata.labels.version'],
    [
      'the pod-template-hash label',
      { metadata: { labels: { 'pod-template-hash': 'x' } } },
      'podTemplatePatch.metadata.labels.pod-template-hash',
    ],
    [
      'a container without a name',
      { spec: { containers: [{ image: 'nginx' }] } },
      'podTemplatePatch.spec.containers.0.name',
    ],
    ['containers that are not a list', { spec: { containers: { name: 'web' } } }, 'podTemplatePatch.spec.containers'],
  ])('%s', (_name, patch, field) => {
    // Act
    const problems = checkPodTemplatePatch(patch as Record<string, unknown>, undefined);
    // Assess
    expect(fieldsOf(problems)).toContain(field);
  });

  it('names every bad field, not only the first', () => {
    // Act
    const problems = checkPodTemplatePatch({ spec: { hostNetwork: true, hostPID: true } }, undefined);
    // Assess
    expect(fieldsOf(problems)).toEqual(['podTemplatePatch.spec.hostNetwork', 'podTemplatePatch.spec.hostPID']);
  });

  it('refuses any container field outside the release fields (property)', () => {
    const field = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((f) => !CONTAINER_RELEASE_FIELDS.includes(f) && f !== '__proto__');
    fc.assert(
      fc.property(field, (f) => {
        const problems = checkPodTemplatePatch({ spec: { containers: [{ name: 'web', [f]: {} }] } }, undefined);
        expect(fieldsOf(problems)).toEqual([`podTemplatePatch.spec.containers.0.${f}`]);
      }),
    );
  });
});

describe('checkPodTemplatePatch: what the policy allows', () => {
  it('allows a field a statement names, and what lies under it', () => {
    // Prepare
    const allowance: PatchAllowance = [{ allowPodFields: ['spec.volumes', 'spec.containers.volumeMounts'] }];
    const patch = {
      spec: {
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [{ name: 'web', volumeMounts: [{ name: 'cache', mountPath: '/c' }] }],
      },
    };
    // Act / Assess
    expect(checkPodTemplatePatch(patch, undefined, allowance)).toEqual([]);
    expect(fieldsOf(checkPodTemplatePatch({ spec: { hostIPC: true } }, undefined, allowance))).toEqual([
      'podTemplatePatch.spec.hostIPC',
    ]);
  });

  it('does not let spec.volumesX ride on spec.volumes', () => {
    const allowance: PatchAllowance = [{ allowPodFields: ['spec.volumes'] }];
    expect(fieldsOf(checkPodTemplatePatch({ spec: { volumesX: 1 } }, undefined, allowance))).toEqual([
      'podTemplatePatch.spec.volumesX',
    ]);
  });

  it.each([
    ['the request image from the registry', `${ECR}web:2`, undefined, []],
    ['the request image from elsewhere', 'docker.io/evil:1', undefined, ['image']],
    ['a patch image from elsewhere', undefined, 'docker.io/evil:1', ['podTemplatePatch.spec.containers.0.image']],
    ['a patch image from the registry', undefined, `${ECR}web:2`, []],
  ])('registries: %s', (_name, image, patchImage, fields) => {
    // Prepare
    const allowance: PatchAllowance = [{ imageRegistries: [ECR] }];
    const patch = patchImage ? { spec: { containers: [{ name: 'web', image: patchImage }] } } : undefined;
    // Act / Assess
    expect(fieldsOf(checkPodTemplatePatch(patch, image, allowance))).toEqual(fields);
  });

  it('a granting statement without registries allows any image on its own', () => {
    const allowance: PatchAllowance = [{ imageRegistries: [ECR] }, {}];
    expect(checkPodTemplatePatch(undefined, 'docker.io/any:1', allowance)).toEqual([]);
  });

  it("statements never add up: one statement's extra field and another's free images are refused together", () => {
    // Prepare: A allows volumes but only images from ECR; B allows any image but no volumes.
    const allowance: PatchAllowance = [
      { sid: 'A', allowPodFields: ['spec.volumes'], imageRegistries: [ECR] },
      { sid: 'B' },
    ];
    const volumes = { spec: { volumes: [{ name: 'cache', emptyDir: {} }] } };
    // Act / Assess: each part alone is allowed by one statement; together no statement allows all of it.
    expect(checkPodTemplatePatch(volumes, `${ECR}web:2`, allowance)).toEqual([]);
    expect(checkPodTemplatePatch(undefined, 'docker.io/any:1', allowance)).toEqual([]);
    expect(fieldsOf(checkPodTemplatePatch(volumes, 'docker.io/any:1', allowance))).toEqual(['image']);
  });

  it('names the allowed registries when it refuses', () => {
    const allowance: PatchAllowance = [{ imageRegistries: [ECR] }];
    expect(checkPodTemplatePatch(undefined, 'nginx', allowance)[0]?.reason).toContain(ECR);
  });
});

describe('checkPodTemplatePatch: metadata keys are denied by default', () => {
  it.each([
    ['sidecar.istio.io/proxyImage', 'podTemplatePatch.metadata.annotations.sidecar.istio.io/proxyImage'],
    ['sidecar.istio.io/userVolume', 'podTemplatePatch.metadata.annotations.sidecar.istio.io/userVolume'],
    ['iam.amazonaws.com/role', 'podTemplatePatch.metadata.annotations.iam.amazonaws.com/role'],
    [
      'container.apparmor.security.beta.kubernetes.io/web',
      'podTemplatePatch.metadata.annotations.container.apparmor.security.beta.kubernetes.io/web',
    ],
  ])('the annotation %s is refused, naming the key', (key, field) => {
    // Act
    const problems = checkPodTemplatePatch({ metadata: { annotations: { [key]: 'x' } } }, undefined);
    // Assess
    expect(problems).toEqual([{ field, reason: expect.stringContaining('allowAnnotations') }]);
  });

  it('a label is refused unless the statement lists it; eksflow labels never pass', () => {
    // Prepare
    const allowance: PatchAllowance = [
      { allowLabels: ['tier', 'team.example.com/*'], allowAnnotations: ['prometheus.io/*'] },
    ];
    const patch = {
      metadata: {
        labels: { tier: 'web', 'team.example.com/owner': 'a', 'sidecar.istio.io/inject': 'false', 'eksflow.io/x': 'y' },
        annotations: { 'prometheus.io/scrape': 'true', 'kubectl.kubernetes.io/restartedAt': 'now' },
      },
    };
    // Act / Assess
    expect(fieldsOf(checkPodTemplatePatch(patch, undefined, allowance))).toEqual([
      'podTemplatePatch.metadata.labels.sidecar.istio.io/inject',
      'podTemplatePatch.metadata.labels.eksflow.io/x',
    ]);
  });
});

describe('checkPodTemplatePatch: container fields that reach out are bounded', () => {
  const container = (fields: Record<string, unknown>) => ({ spec: { containers: [{ name: 'web', ...fields }] } });
  const at = 'podTemplatePatch.spec.containers.0';

  it.each([
    ['livenessProbe', 'httpGet'],
    ['readinessProbe', 'tcpSocket'],
    ['startupProbe', 'httpGet'],
  ])('a %s %s host is refused', (probe, kind) => {
    const patch = container({ [probe]: { [kind]: { host: '169.254.169.254', port: 80 } } });
    expect(fieldsOf(checkPodTemplatePatch(patch, undefined))).toEqual([`${at}.${probe}.${kind}.host`]);
  });

  it('a lifecycle hook host is refused even when a statement allows lifecycle', () => {
    const patch = container({ lifecycle: { preStop: { httpGet: { host: '10.0.0.1', port: 80 } } } });
    const allowance: PatchAllowance = [{ allowPodFields: ['spec.containers.lifecycle'] }];
    expect(fieldsOf(checkPodTemplatePatch(patch, undefined, allowance))).toEqual([
      `${at}.lifecycle.preStop.httpGet.host`,
    ]);
  });

  it('secretKeyRef and configMapKeyRef only for names the statement lists', () => {
    // Prepare
    const patch = container({
      env: [
        { name: 'A', value: '1' },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'password' } } },
        { name: 'D', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'x' } } },
        { name: 'E', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    });
    // Act
    const none = fieldsOf(checkPodTemplatePatch(patch, undefined));
    const some = fieldsOf(checkPodTemplatePatch(patch, undefined, [{ allowSecretRefs: ['web-*'] }]));
    // Assess
    expect(none).toEqual([
      `${at}.env.1.valueFrom.secretKeyRef`,
      `${at}.env.2.valueFrom.secretKeyRef`,
      `${at}.env.3.valueFrom.configMapKeyRef`,
    ]);
    expect(some).toEqual([`${at}.env.2.valueFrom.secretKeyRef`, `${at}.env.3.valueFrom.configMapKeyRef`]);
  });

  it('envFrom, when allowed, reads only the Secrets and ConfigMaps listed', () => {
    const patch = container({ envFrom: [{ secretRef: { name: 'other' } }, { configMapRef: { name: 'web-config' } }] });
    const allowance: PatchAllowance = [{ allowPodFields: ['spec.containers.envFrom'], allowConfigMapRefs: ['web-*'] }];
    expect(fieldsOf(checkPodTemplatePatch(patch, undefined, allowance))).toEqual([`${at}.envFrom.0.secretRef`]);
  });

  it.each([
    ['memory far above the default cap', { limits: { memory: '900Gi' } }, [], [`${at}.resources.limits.memory`]],
    ['a GPU without a cap', { limits: { 'nvidia.com/gpu': '8' } }, [], [`${at}.resources.limits.nvidia.com/gpu`]],
    ['a GPU within its cap', { limits: { 'nvidia.com/gpu': '1' } }, [{ maxResources: { 'nvidia.com/gpu': '1' } }], []],
    [
      'a GPU above its cap',
      { requests: { 'nvidia.com/gpu': 2 } },
      [{ maxResources: { 'nvidia.com/gpu': '1' } }],
      [`${at}.resources.requests.nvidia.com/gpu`],
    ],
    [
      'cpu in millicores within the cap',
      { requests: { cpu: '1500m' }, limits: { cpu: '2' } },
      [{ maxResources: { cpu: '2' } }],
      [],
    ],
    [
      'cpu above the cap',
      { limits: { cpu: '2001m' } },
      [{ maxResources: { cpu: '2' } }],
      [`${at}.resources.limits.cpu`],
    ],
    ['not a quantity', { limits: { cpu: 'lots' } }, [], [`${at}.resources.limits.cpu`]],
    [
      'a resource named like an Object member',
      { limits: { constructor: '1', ['__proto__']: '1' } },
      [{ maxResources: { cpu: '1' } }],
      [`${at}.resources.limits.constructor`, `${at}.resources.limits.__proto__`],
    ],
    ['a resource claim', { claims: [{ name: 'gpu' }] }, [], [`${at}.resources.claims`]],
  ])('resources: %s', (_name, resources, allowance, fields) => {
    const problems = checkPodTemplatePatch(
      container({ resources }),
      undefined,
      allowance.length ? allowance : undefined,
    );
    expect(fieldsOf(problems)).toEqual(fields);
  });
});

describe('checkPodTemplatePatch: images are parsed', () => {
  const TEAM: PatchAllowance = [{ imageRegistries: ['registry.example.com/team/'] }];

  it.each([
    ['registry.example.com/team/app:2', []],
    ['registry.example.com/team-evil/x:1', ['image']],
    ['registry.example.com.evil.io/team/x:1', ['image']],
    ['team/app:2', ['image']],
    ['not an image!', ['image']],
  ])('%s', (image, fields) => {
    expect(fieldsOf(checkPodTemplatePatch(undefined, image, TEAM))).toEqual(fields);
  });

  it('requireDigest refuses a tag alone', () => {
    const allowance: PatchAllowance = [{ imageRegistries: ['registry.example.com/team/'], requireDigest: true }];
    const digest = `registry.example.com/team/app@sha256:${'b'.repeat(64)}`;
    expect(checkPodTemplatePatch(undefined, digest, allowance)).toEqual([]);
    expect(checkPodTemplatePatch(undefined, 'registry.example.com/team/app:2', allowance)).toEqual([
      { field: 'image', reason: expect.stringContaining('requireDigest') },
    ]);
  });

  it('a patch is accepted only when one statement allows all of it (property)', () => {
    // Two statements with different limits; the checker's verdict must equal "A alone or B alone accepts".
    const A: PatchAllowance = [{ sid: 'A', imageRegistries: ['registry.example.com/team/'], allowLabels: ['tier'] }];
    const B: PatchAllowance = [{ sid: 'B', allowAnnotations: ['prometheus.io/*'], maxResources: { cpu: '1' } }];
    const image = fc.constantFrom('registry.example.com/team/a:1', 'docker.io/x/y:1', 'nginx');
    const patch = fc.record(
      {
        metadata: fc.record(
          {
            labels: fc.dictionary(fc.constantFrom('tier', 'app'), fc.constant('x'), { maxKeys: 1 }),
            annotations: fc.dictionary(
              fc.constantFrom('prometheus.io/scrape', 'sidecar.istio.io/x'),
              fc.constant('x'),
              {
                maxKeys: 1,
              },
            ),
          },
          { requiredKeys: [] },
        ),
        spec: fc.record({
          containers: fc.tuple(
            fc.record(
              {
                name: fc.constant('web'),
                image,
                resources: fc.record({ limits: fc.record({ cpu: fc.constantFrom('500m', '3') }) }),
              },
              { requiredKeys: ['name'] },
            ),
          ),
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(patch, fc.option(image, { nil: undefined }), (p, img) => {
        const alone = (s: PatchAllowance) => checkPodTemplatePatch(p, img, s).length === 0;
        expect(checkPodTemplatePatch(p, img, [...A, ...B]).length === 0).toBe(alone(A) || alone(B));
      }),
    );
  });
});

describe('checkPodTemplatePatch: any JSON', () => {
  it('never throws, and every problem names a field of the request (property)', () => {
    const json = fc.jsonValue({ maxDepth: 5 });
    const patch = fc.oneof(
      fc.dictionary(fc.string(), json),
      fc.record({ metadata: json, spec: fc.record({ containers: fc.array(json) }) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(patch, fc.option(fc.string(), { nil: undefined }), (p, image) => {
        const problems = checkPodTemplatePatch(p as Record<string, unknown>, image, [
          { imageRegistries: ['registry.example.com/team/'] },
        ]);
        for (const { field } of problems) expect(field === 'image' || field.startsWith('podTemplatePatch')).toBe(true);
        if (image !== undefined && !image.startsWith('registry.example.com/team/'))
          expect(fieldsOf(problems)).toContain('image');
      }),
    );
  });
});
