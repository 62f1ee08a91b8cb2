import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import { TlsEndpointReach } from '../../core/adapters/net/tls-reach';
import { ensureNetworkAndRole } from '../../local/sandbox/aws-fixtures';
import { type SandboxNetwork, SandboxNetworkModel, startSandboxNetwork } from '../../local/sandbox/network-model';
import { waitForActive } from '../../local/sandbox/sandbox-cluster';
import { cliSandbox, eksflow } from '../helpers/cli-harness';
import { deleteClustersMade, track } from '../helpers/cluster-fixtures';
import { eks } from '../helpers/clusters';
import { defined } from '../helpers/defined';
import { api, awsClientConfig, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/** The sandbox's connect timeout in these tests: short, so a refused connection fails fast. */
const CONNECT_TIMEOUT_MS = 300;

/**
 * Issue 15 part 4 on the real stack: endpoint access modelled as a VPC would have it. The wiring the runtime
 * will do per function container is built here: one model, the API function's network path from it. A
 * private-only cluster in a VPC of its own is reached only from functions placed in that VPC; from anywhere
 * else a connection meets silence and fails by the connect timeout, naming the endpoint.
 */
describe('network model: endpoint access as a VPC has it', () => {
  let network: SandboxNetwork;
  let runtime: TestRuntime;
  let otherVpcId: string;
  const privateCluster = track(uniqueName('private'));
  let endpoint: string;
  let caData: string | undefined;

  beforeAll(async () => {
    const aws = awsClientConfig();
    const fixtures = await ensureNetworkAndRole(aws);
    // A VPC the functions are not in, and a private-only cluster in it.
    const ec2 = new EC2Client(aws);
    otherVpcId = defined(
      defined(
        (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc,
        "(await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77....",
      ).VpcId,
      "(await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77....",
    );
    const subnetIds = await Promise.all(
      ['a', 'b'].map(async (zone, i) =>
        defined(
          defined(
            (
              await ec2.send(
                new CreateSubnetCommand({
                  VpcId: otherVpcId,
                  CidrBlock: `10.77.${i}.0/24`,
                  AvailabilityZone: `${aws.region}${zone}`,
                }),
              )
            ).Subnet,
            '( await ec2.send( new CreateSubnetCommand({ VpcId: otherV...',
          ).SubnetId,
          '( await ec2.send( new CreateSubnetCommand({ VpcId: otherV...',
        ),
      ),
    );
    ec2.destroy();
    await eks().send(
      new CreateClusterCommand({
        name: privateCluster,
        roleArn: fixtures.roleArn,
        resourcesVpcConfig: { subnetIds, endpointPublicAccess: false, endpointPrivateAccess: true },
        tags: { 'eksflow:managed': 'true' },
      }),
    );
    await waitForActive(eks(), privateCluster);
    const described = (await eks().send(new DescribeClusterCommand({ name: privateCluster }))).cluster;
    endpoint = defined(described?.endpoint, 'described.endpoint');
    caData = described?.certificateAuthority?.data;

    network = await startSandboxNetwork({ aws, fixtureSubnetIds: fixtures.subnetIds });
    runtime = await startTestRuntime({
      env: { EKSFLOW_KUBE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) },
      containerOverrides: network.apply({ name: 'api', inVpc: true }),
    });
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await network?.close();
    await deleteClustersMade();
  });

  it('eksflow doctor exits 1 on a private-only cluster in another VPC, naming reach and the fix', async () => {
    // Act
    const run = await eksflow(['doctor', '--cluster', privateCluster], cliSandbox(runtime));

    // Assess
    const host = new URL(endpoint).host;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `${privateCluster}  FAIL  endpoint-reach    cannot reach ${endpoint}: connect to ${host} timed out after ${CONNECT_TIMEOUT_MS} ms`,
    );
    expect(run.stdout).toMatch(/fix: the endpoint is private: place the functions in the cluster's VPC/);
    expect(run.stdout).toMatch(new RegExp(`${privateCluster}  skip  token`));
  });

  it('eksflow doctor still exits 0 on the sandbox cluster, whose endpoint is public', async () => {
    // Act
    const run = await eksflow(['doctor', '--cluster', 'sandbox'], cliSandbox(runtime));

    // Assess
    expect(run.stdout).toMatch(/sandbox {2}ok {4}endpoint-reach/);
    expect(run.code).toBe(0);
  });

  it('fails a Kubernetes call on that cluster by the connect timeout, naming the endpoint', async () => {
    // Act: a rollout's first step reads the Deployment.
    const started = await api(runtime, 'POST', '/rollouts', {
      cluster: privateCluster,
      namespace: 'team-a',
      deployment: 'web',
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 50 }] },
    });

    // Assess
    expect(started.status).toBeGreaterThanOrEqual(500);
    expect(started.body.error.message).toContain(`connect to ${new URL(endpoint).host} timed out`);
  });

  it('reaches the same endpoint from a function placed in the cluster’s VPC', async () => {
    // Prepare: the same model, but the functions sit in the private cluster's VPC.
    const inItsVpc = new SandboxNetworkModel({
      aws: awsClientConfig(),
      functionsVpcId: otherVpcId,
      // Never dialled when the model lets the path through; a refusal would meet a closed port and fail the test.
      blackhole: { address: '127.0.0.1:1', close: async () => undefined },
    });
    const path = inItsVpc.forFunction({ name: 'api', inVpc: true });

    // Act
    const reach = await inItsVpc.reach({ name: 'api', inVpc: true }, privateCluster);
    const handshake = new TlsEndpointReach(CONNECT_TIMEOUT_MS * 10, path).reach(privateCluster, endpoint, caData);

    // Assess
    expect(reach).toEqual({ reachable: true, by: 'private' });
    await expect(handshake).resolves.toBeUndefined();
    inItsVpc.close();
  });
});
