import {
  EKSFLOW_KUBE_GROUP,
  EKSFLOW_SCALING_KUBE_GROUP,
  eksflowGroupGrants,
} from '../../../../../core/clusters/domain/cluster';

describe('eksflowGroupGrants', () => {
  it('gives each role one access entry, with both groups for a role that rolls out and scales', () => {
    // Prepare
    const access = {
      baselinePrincipalArn: 'arn:baseline',
      rolloutPrincipalArns: ['arn:api', 'arn:reconcile'],
      scalingPrincipalArns: ['arn:api', 'arn:scaleApply'],
    };

    // Act
    const grants = eksflowGroupGrants(access);

    // Assess
    expect(grants).toEqual([
      { principalArn: 'arn:api', kubernetesGroups: [EKSFLOW_KUBE_GROUP, EKSFLOW_SCALING_KUBE_GROUP] },
      { principalArn: 'arn:reconcile', kubernetesGroups: [EKSFLOW_KUBE_GROUP] },
      { principalArn: 'arn:scaleApply', kubernetesGroups: [EKSFLOW_SCALING_KUBE_GROUP] },
    ]);
  });
});
