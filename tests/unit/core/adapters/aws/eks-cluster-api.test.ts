import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { AWS_CALL_RETRY } from '../../../../../core/adapters/aws/aws-call';
import { EksClusterApi } from '../../../../../core/adapters/aws/eks-cluster-api';
import { type ClusterSpec, OPERATION_TAG } from '../../../../../core/clusters/domain/cluster';
import { ConflictError, ThrottledError } from '../../../../../core/kernel/errors';
import { defined } from '../../../../helpers/defined';

const eks = mockClient(EKSClient);

const spec: ClusterSpec = {
  name: 'prod-eu',
  version: '1.31',
  roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
  subnetIds: ['subnet-1', 'subnet-2'],
  securityGroupIds: ['sg-1'],
  endpointPublicAccess: false,
  publicAccessCidrs: [],
  endpointPrivateAccess: true,
  logging: ['api', 'audit', 'authenticator'],
  namespaces: [],
  nodegroups: [],
  addons: [],
  access: [],
  onFailure: 'rollback',
  tags: { team: 'platform' },
};

function awsError(name: string, httpStatusCode: number) {
  return Object.assign(new Error(`${name}: simulated`), { name, $metadata: { httpStatusCode } });
}

function api() {
  return new EksClusterApi(new EKSClient({ region: 'us-east-1' }));
}

let timeoutSpy: jest.SpyInstance;
beforeEach(() => {
  eks.reset();
  // awsCall backs off with setTimeout (base 100 ms, 5 attempts): run every backoff at once.
  timeoutSpy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void) => {
    fn();
    return 0 as unknown as NodeJS.Timeout;
  }) as typeof setTimeout);
});
afterEach(() => timeoutSpy.mockRestore());

describe('EksClusterApi.createCluster', () => {
  it('creates the cluster tagged with the operation, the operation id as clientRequestToken', async () => {
    // Prepare
    eks.on(CreateClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'CREATING' } });

    // Act
    await api().createCluster(spec, 'op-123');

    // Assess
    const calls = eks.commandCalls(CreateClusterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      name: 'prod-eu',
      version: '1.31',
      roleArn: spec.roleArn,
      resourcesVpcConfig: {
        subnetIds: ['subnet-1', 'subnet-2'],
        securityGroupIds: ['sg-1'],
        endpointPublicAccess: false,
        endpointPrivateAccess: true,
      },
      logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] },
      tags: { team: 'platform', [OPERATION_TAG]: 'op-123', 'eksflow:managed': 'true' },
      clientRequestToken: 'op-123',
    });
    expect(OPERATION_TAG).toBe('eksflow:operation');
  });

  it('opens a public endpoint only to the CIDR blocks of the spec (EKS would default to 0.0.0.0/0)', async () => {
    // Prepare
    eks.on(CreateClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'CREATING' } });

    // Act
    await api().createCluster({ ...spec, endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] }, 'op-1');

    // Assess
    expect(eks.commandCalls(CreateClusterCommand)[0]?.args[0].input.resourcesVpcConfig).toEqual({
      subnetIds: ['subnet-1', 'subnet-2'],
      securityGroupIds: ['sg-1'],
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: ['203.0.113.0/24'],
    });
  });

  it('encrypts Secrets with the KMS key when one is given, and asks for no encryption otherwise', async () => {
    // Prepare
    eks.on(CreateClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'CREATING' } });
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    // Act
    await api().createCluster({ ...spec, kmsKeyArn: keyArn }, 'op-1');
    await api().createCluster(spec, 'op-2');

    // Assess
    const [withKey, withoutKey] = eks.commandCalls(CreateClusterCommand).map((c) => c.args[0].input);
    expect(withKey?.encryptionConfig).toEqual([{ resources: ['secrets'], provider: { keyArn } }]);
    expect(withoutKey?.encryptionConfig).toBeUndefined();
  });

  it('sends no logging block when the spec declines every log type', async () => {
    // Prepare
    eks.on(CreateClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'CREATING' } });

    // Act
    await api().createCluster({ ...spec, logging: [] }, 'op-1');

    // Assess
    expect(eks.commandCalls(CreateClusterCommand)[0]?.args[0].input.logging).toBeUndefined();
  });

  it('accepts ResourceInUseException when the existing cluster carries this operation tag (a re-run step)', async () => {
    // Prepare
    eks.on(CreateClusterCommand).rejects(awsError('ResourceInUseException', 409));
    eks
      .on(DescribeClusterCommand)
      .resolves({ cluster: { name: 'prod-eu', status: 'CREATING', tags: { [OPERATION_TAG]: 'op-123' } } });

    // Act / Assess
    await expect(api().createCluster(spec, 'op-123')).resolves.toBeUndefined();
    expect(eks.commandCalls(CreateClusterCommand)).toHaveLength(1); // "in use" is an answer, not a blip: no retry
    expect(eks.commandCalls(DescribeClusterCommand)[0]?.args[0].input).toEqual({ name: 'prod-eu' });
  });

  it.each([
    { what: 'another operation', tags: { [OPERATION_TAG]: 'op-999' } as Record<string, string> },
    { what: 'no operation tag (created outside eksflow)', tags: {} as Record<string, string> },
  ])('turns ResourceInUseException into ConflictError when the cluster belongs to $what', async ({ tags }) => {
    // Prepare
    const inUse = awsError('ResourceInUseException', 409);
    eks.on(CreateClusterCommand).rejects(inUse);
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'ACTIVE', tags } });

    // Act
    const error = await api()
      .createCluster(spec, 'op-123')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toContain('prod-eu');
  });

  it('passes an InvalidParameterException through unchanged, without describing', async () => {
    // Prepare
    const invalid = awsError('InvalidParameterException', 400);
    eks.on(CreateClusterCommand).rejects(invalid);

    // Act / Assess
    await expect(api().createCluster(spec, 'op-123')).rejects.toBe(invalid);
    expect(eks.commandCalls(CreateClusterCommand)).toHaveLength(1);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
  });

  it('retries a ThrottlingException and succeeds', async () => {
    // Prepare
    eks
      .on(CreateClusterCommand)
      .rejectsOnce(awsError('ThrottlingException', 400))
      .resolves({ cluster: { name: 'prod-eu' } });

    // Act
    await api().createCluster(spec, 'op-123');

    // Assess
    expect(eks.commandCalls(CreateClusterCommand)).toHaveLength(2);
  });
});

describe('EksClusterApi.describeCluster', () => {
  it('maps the EKS cluster to ClusterInfo', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'prod-eu',
        status: 'ACTIVE',
        arn: 'arn:aws:eks:us-east-1:123456789012:cluster/prod-eu',
        version: '1.31',
        endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
        certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
        tags: { [OPERATION_TAG]: 'op-1' },
      },
    });

    // Act
    const info = await api().describeCluster('prod-eu');

    // Assess
    expect(info).toEqual({
      name: 'prod-eu',
      status: 'ACTIVE',
      arn: 'arn:aws:eks:us-east-1:123456789012:cluster/prod-eu',
      version: '1.31',
      endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
      caData: 'LS0tLS1CRUdJTg==',
      tags: { [OPERATION_TAG]: 'op-1' },
      logging: [],
      endpointPublicAccess: undefined,
      publicAccessCidrs: undefined,
    });
  });

  it('returns undefined for a cluster that does not exist', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(awsError('ResourceNotFoundException', 404));

    // Act / Assess
    await expect(api().describeCluster('missing')).resolves.toBeUndefined();
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
  });

  it('defaults missing tags to {}', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'CREATING' } });

    // Act / Assess
    expect(defined(await api().describeCluster('prod-eu'), "api().describeCluster('prod-eu')").tags).toEqual({});
  });

  it("retries a ThrottlingException as awsCall's budget says (AWS_CALL_RETRY), then throws ThrottledError", async () => {
    // Prepare
    const throttled = awsError('ThrottlingException', 400);
    eks.on(DescribeClusterCommand).rejects(throttled);

    // Act
    const error = await api()
      .describeCluster('prod-eu')
      .catch((e: unknown) => e);

    // Assess
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(
      defined(AWS_CALL_RETRY.attempts, 'AWS_CALL_RETRY.attempts'),
    );
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).name).toBe('ThrottledError');
    expect((error as ThrottledError).message).toMatch(/^EKS DescribeCluster failed/);
    expect((error as ThrottledError).cause).toBe(throttled);
  });
});

describe('EksClusterApi.deleteCluster', () => {
  it('deletes by name', async () => {
    // Prepare
    eks.on(DeleteClusterCommand).resolves({});

    // Act
    await api().deleteCluster('prod-eu');

    // Assess
    expect(eks.commandCalls(DeleteClusterCommand)[0]?.args[0].input).toEqual({ name: 'prod-eu' });
  });

  it('treats a cluster already gone as done', async () => {
    // Prepare
    eks.on(DeleteClusterCommand).rejects(awsError('ResourceNotFoundException', 404));

    // Act / Assess
    await expect(api().deleteCluster('gone')).resolves.toBeUndefined();
  });

  it.each([
    ['the cluster is gone (a retried delete: its tag condition has no tags to match)', 'gone', true],
    ['the cluster still exists (not ours to delete)', 'exists', false],
  ])('on AccessDenied, done when %s', async (_case, state, done) => {
    // Prepare
    eks.on(DeleteClusterCommand).rejects(awsError('AccessDeniedException', 403));
    if (state === 'gone') eks.on(DescribeClusterCommand).rejects(awsError('ResourceNotFoundException', 404));
    else eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'ACTIVE' } });

    // Act
    const deleting = api().deleteCluster('prod-eu');

    // Assess
    if (done) await expect(deleting).resolves.toBeUndefined();
    else await expect(deleting).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('EksClusterApi access entries', () => {
  const principalArn = 'arn:aws:iam::123456789012:role/eksflow-dev-us-east-1-api';

  it('asks EKS for access entries instead of the creator as admin when told so', async () => {
    // Prepare
    eks.on(CreateClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'CREATING' } });

    // Act
    await api().createCluster(spec, 'op-1', { creatorIsAdmin: false });

    // Assess
    expect(eks.commandCalls(CreateClusterCommand)[0]?.args[0].input.accessConfig).toEqual({
      authenticationMode: 'API_AND_CONFIG_MAP',
      bootstrapClusterCreatorAdminPermissions: false,
    });
  });

  it("maps a rollout role to Kubernetes groups with no access policy, on an entry tagged as eksflow's", async () => {
    // Prepare
    eks.on(CreateAccessEntryCommand).resolves({});

    // Act
    await api().grantAccess('prod-eu', { principalArn, kubernetesGroups: ['eksflow'] });

    // Assess
    expect(eks.commandCalls(CreateAccessEntryCommand)[0]?.args[0].input).toEqual({
      clusterName: 'prod-eu',
      principalArn,
      kubernetesGroups: ['eksflow'],
      // Associating policies with, and deleting, an entry is allowed only where this tag is (the roles' policies).
      tags: { 'eksflow:managed': 'true' },
    });
    expect(eks.commandCalls(AssociateAccessPolicyCommand)).toHaveLength(0);
  });

  it('gives the baseline role the cluster admin access policy, and takes an existing entry as its own (a re-run step)', async () => {
    // Prepare
    eks.on(CreateAccessEntryCommand).rejects(awsError('ResourceInUseException', 409));
    eks.on(AssociateAccessPolicyCommand).resolves({});

    // Act
    await api().grantAccess('prod-eu', { principalArn, clusterAdmin: true });

    // Assess
    expect(eks.commandCalls(AssociateAccessPolicyCommand)[0]?.args[0].input).toEqual({
      clusterName: 'prod-eu',
      principalArn,
      policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      accessScope: { type: 'cluster' },
    });
  });
});
