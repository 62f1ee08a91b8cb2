import { namespaceManifests } from '../../../../../core/clusters/domain/baseline';

describe('namespaceManifests', () => {
  it('labels the namespace for Pod Security Admission: restricted on request, and a spec label cannot lower it', () => {
    // Act
    const [namespace] = namespaceManifests({
      name: 'team-a',
      labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
      networkPolicy: 'none',
      podSecurity: 'restricted',
    }).apply;

    // Assess
    expect(namespace?.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it('default-deny: a quota, limits and the deny-all policy (DNS still allowed); the other preset removed', () => {
    // Act
    const { apply, remove } = namespaceManifests({
      name: 'team-a',
      labels: { team: 'a' },
      quota: { pods: '10' },
      limitRange: { defaultCpu: '500m' },
      networkPolicy: 'default-deny',
    });

    // Assess
    expect(apply.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Namespace/team-a',
      'ResourceQuota/eksflow-quota',
      'LimitRange/eksflow-limits',
      'NetworkPolicy/eksflow-default-deny',
    ]);
    expect(apply[0]?.metadata.labels).toEqual({
      team: 'a',
      'app.kubernetes.io/managed-by': 'eksflow',
      'pod-security.kubernetes.io/enforce': 'baseline',
    });
    expect(apply[2]?.spec).toEqual({
      limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '500m' } }],
    });
    expect(apply[3]?.spec).toMatchObject({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(remove.map((m) => m.metadata.name)).toEqual(['eksflow-allow-same-namespace']);
  });

  it('none: only the namespace; every object eksflow may have made before is removed', () => {
    // Act
    const { apply, remove } = namespaceManifests({ name: 'team-b', labels: {}, networkPolicy: 'none' });

    // Assess
    expect(apply.map((m) => m.kind)).toEqual(['Namespace']);
    expect(remove.map((m) => m.metadata.name)).toEqual([
      'eksflow-quota',
      'eksflow-limits',
      'eksflow-default-deny',
      'eksflow-allow-same-namespace',
    ]);
  });
});
