import fc from 'fast-check';
import {
  CONTAINER_RELEASE_FIELDS,
  checkPodTemplatePatch,
  type PatchAllowance,
} from '../../../../../shared/domain/access/pod-template-patch';

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
    ['pod annotations', { metadata: { annotations: { 'sandbox.eksflow.io/ready-after-seconds': '2' } } }],
    ['a pod label of the team', { metadata: { labels: { tier: 'web' } } }],
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
    const allowance: PatchAllowance = {
      extraFields: ['spec.volumes', 'spec.containers.volumeMounts'],
      imageRegistries: [],
    };
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
    const allowance: PatchAllowance = { extraFields: ['spec.volumes'], imageRegistries: [] };
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
    const allowance: PatchAllowance = { extraFields: [], imageRegistries: [[ECR]] };
    const patch = patchImage ? { spec: { containers: [{ name: 'web', image: patchImage }] } } : undefined;
    // Act / Assess
    expect(fieldsOf(checkPodTemplatePatch(patch, image, allowance))).toEqual(fields);
  });

  it('a granting statement without registries leaves images free', () => {
    const allowance: PatchAllowance = { extraFields: [], imageRegistries: [[ECR], undefined] };
    expect(checkPodTemplatePatch(undefined, 'docker.io/any:1', allowance)).toEqual([]);
  });

  it('names the allowed registries when it refuses', () => {
    const allowance: PatchAllowance = { extraFields: [], imageRegistries: [[ECR]] };
    expect(checkPodTemplatePatch(undefined, 'nginx', allowance)[0].reason).toContain(ECR);
  });
});
