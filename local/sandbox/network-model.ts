import net from 'node:net';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import type { NetworkPath } from '../../core/kernel/ports/network';
import type { Container } from '../../core/wiring/container';
import type { FunctionManifest } from '../serverless-manifest';

/**
 * Endpoint access as a VPC would have it (issue 15 part 4). EKS gives a cluster's API endpoint a public side
 * (the internet, filtered by `publicAccessCidrs` on the caller's source address) and a private side (inside
 * the cluster's VPC only). A Lambda function outside any VPC reaches only the public side, from Lambda's own
 * addresses; one placed in a VPC reaches the private side of clusters in that VPC, and the public side
 * through its NAT, from the NAT's addresses. A connection the model refuses is sent to a listener that
 * accepts and never answers: the client sees what Lambda sees, silence, and fails by its connect timeout.
 */

/** Where a function runs, as far as reach goes. */
export interface Placement {
  functionName: string;
  /** The VPC it is placed in; undefined: outside any VPC. */
  vpcId?: string;
  /** The source addresses its connections to a public endpoint come from (Lambda's, or the VPC's NAT). */
  egressAddresses: string[];
}

/** A cluster's endpoint access, as DescribeCluster reports it (with EKS's defaults for what is unset). */
export interface EndpointNetwork {
  cluster: string;
  vpcId?: string;
  publicAccess: boolean;
  privateAccess: boolean;
  publicAccessCidrs: string[];
}

export type Reach = { reachable: true; by: 'private' | 'public' } | { reachable: false; reason: string };

/**
 * The functions' egress address in the sandbox: a documentation address (RFC 5737 TEST-NET-2), never
 * dialled, only compared with `publicAccessCidrs`. Deployed, these are the NAT gateways' Elastic IPs.
 */
export const SANDBOX_EGRESS_ADDRESS = '198.51.100.10';

/** Pure: whether a function at `from` reaches the endpoint `to`, and why not. */
export function decideReach(from: Placement, to: EndpointNetwork): Reach {
  if (to.privateAccess && from.vpcId !== undefined && from.vpcId === to.vpcId)
    return { reachable: true, by: 'private' };
  if (to.publicAccess) {
    if (from.egressAddresses.some((address) => to.publicAccessCidrs.some((cidr) => inCidr(address, cidr))))
      return { reachable: true, by: 'public' };
    return {
      reachable: false,
      reason: `${from.functionName}'s egress addresses (${from.egressAddresses.join(', ')}) are outside the publicAccessCidrs of ${to.cluster} (${to.publicAccessCidrs.join(', ')})`,
    };
  }
  return {
    reachable: false,
    reason: `the endpoint of ${to.cluster} is private-only (VPC ${to.vpcId ?? 'unknown'}) and ${from.functionName} is ${from.vpcId ? `in VPC ${from.vpcId}` : 'in no VPC'}`,
  };
}

/** IPv4 `address` inside `cidr` (e.g. 198.51.100.10 in 198.51.100.0/24); anything unparsable is outside. */
export function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const a = ipv4(address);
  const b = ipv4(base ?? '');
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

/** A listener that accepts every connection and never answers: where the model sends what it refuses. */
export interface Blackhole {
  /** `127.0.0.1:port`. */
  address: string;
  close(): Promise<void>;
}

export async function startBlackhole(): Promise<Blackhole> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface NetworkModelOptions {
  /** The emulator, read with the sandbox's admin credentials: the network is not a caller of AWS APIs. */
  aws: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The VPC that functions placed in a VPC sit in (the emulator's fixture VPC). */
  functionsVpcId: string;
  egressAddresses?: string[];
  blackhole: Blackhole;
  /** How long a cluster's endpoint access is believed before it is read again (EKS takes minutes to change it). */
  cacheMs?: number;
}

/** What a cluster's endpoint access is believed to be for this long: a rollout's passes do not each read it. */
const ENDPOINT_NETWORK_CACHE_MS = 5000;

/** The sandbox's VPC model: one per runtime; `forFunction` gives each function container its path. */
export class SandboxNetworkModel {
  private readonly eks: EKSClient;
  private readonly ec2: EC2Client;
  private readonly cache = new Map<string, { at: number; network: EndpointNetwork }>();

  constructor(private readonly options: NetworkModelOptions) {
    this.eks = new EKSClient(options.aws);
    this.ec2 = new EC2Client(options.aws);
  }

  placementOf(fn: Pick<FunctionManifest, 'name' | 'inVpc'>): Placement {
    return {
      functionName: fn.name,
      ...(fn.inVpc ? { vpcId: this.options.functionsVpcId } : {}),
      egressAddresses: this.options.egressAddresses ?? [SANDBOX_EGRESS_ADDRESS],
    };
  }

  /** The path of one function's connections: the endpoint itself, or the blackhole when the model refuses. */
  forFunction(fn: Pick<FunctionManifest, 'name' | 'inVpc'>): NetworkPath {
    const placement = this.placementOf(fn);
    return {
      connectVia: async (cluster) => {
        const reach = decideReach(placement, await this.endpointNetwork(cluster));
        return reach.reachable ? undefined : this.options.blackhole.address;
      },
    };
  }

  /** Reach of a cluster from a function, with the reason when refused (the sandbox's own diagnostics and tests). */
  async reach(fn: Pick<FunctionManifest, 'name' | 'inVpc'>, cluster: string): Promise<Reach> {
    return decideReach(this.placementOf(fn), await this.endpointNetwork(cluster));
  }

  async endpointNetwork(cluster: string): Promise<EndpointNetwork> {
    const cached = this.cache.get(cluster);
    if (cached && Date.now() - cached.at < (this.options.cacheMs ?? ENDPOINT_NETWORK_CACHE_MS)) return cached.network;
    const described = (await this.eks.send(new DescribeClusterCommand({ name: cluster }))).cluster;
    const vpc = described?.resourcesVpcConfig;
    const network: EndpointNetwork = {
      cluster,
      vpcId: vpc?.vpcId ?? (await this.vpcOfSubnets(vpc?.subnetIds ?? [])),
      // EKS's defaults when a cluster is created without them: public on, private off, open to all.
      publicAccess: vpc?.endpointPublicAccess ?? true,
      privateAccess: vpc?.endpointPrivateAccess ?? false,
      publicAccessCidrs: vpc?.publicAccessCidrs?.length ? vpc.publicAccessCidrs : ['0.0.0.0/0'],
    };
    this.cache.set(cluster, { at: Date.now(), network });
    return network;
  }

  private async vpcOfSubnets(subnetIds: string[]): Promise<string | undefined> {
    return subnetIds.length ? vpcOf(this.ec2, subnetIds) : undefined;
  }

  close(): void {
    this.eks.destroy();
    this.ec2.destroy();
  }
}

/**
 * What the runtime passes when it builds one function's container: that function's network path. The
 * integrator calls this per function container (local/runtime.ts): `buildContainer(config, {...,
 * ...applyNetworkModel(model, fn)})`; the kube clients and doctor's reach check then go through it.
 */
export function applyNetworkModel(
  model: SandboxNetworkModel,
  fn: Pick<FunctionManifest, 'name' | 'inVpc'>,
): Pick<Container, 'network'> {
  return { network: model.forFunction(fn) };
}

/** The VPC of the emulator's fixture subnets: where the sandbox places functions that have a `vpc`. */
export async function fixtureVpcId(aws: NetworkModelOptions['aws'], subnetIds: string[]): Promise<string> {
  const ec2 = new EC2Client(aws);
  try {
    const vpcId = await vpcOf(ec2, subnetIds);
    if (!vpcId) throw new Error(`the fixture subnets ${subnetIds.join(', ')} have no VPC`);
    return vpcId;
  } finally {
    ec2.destroy();
  }
}

/** A cluster's VPC is its subnets' (EKS requires them all in one VPC). */
async function vpcOf(ec2: EC2Client, subnetIds: string[]): Promise<string | undefined> {
  const out = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
  return out.Subnets?.[0]?.VpcId;
}

/** The sandbox's network, started once per runtime: the blackhole and the model over the emulator's fixture VPC. */
export interface SandboxNetwork {
  model: SandboxNetworkModel;
  /** The overrides of one function's container (see applyNetworkModel). */
  apply(fn: Pick<FunctionManifest, 'name' | 'inVpc'>): Pick<Container, 'network'>;
  close(): Promise<void>;
}

/**
 * Starts the network model for a runtime whose VPC-placed functions sit in the VPC of `fixtureSubnetIds`
 * (config.clusterDefaults.subnetIds in the sandbox). Pair it with a short EKSFLOW_KUBE_CONNECT_TIMEOUT_MS.
 */
export async function startSandboxNetwork(options: {
  aws: NetworkModelOptions['aws'];
  fixtureSubnetIds: string[];
  egressAddresses?: string[];
}): Promise<SandboxNetwork> {
  const blackhole = await startBlackhole();
  try {
    const model = new SandboxNetworkModel({
      aws: options.aws,
      functionsVpcId: await fixtureVpcId(options.aws, options.fixtureSubnetIds),
      egressAddresses: options.egressAddresses,
      blackhole,
    });
    return {
      model,
      apply: (fn) => applyNetworkModel(model, fn),
      close: async () => {
        model.close();
        await blackhole.close();
      },
    };
  } catch (error) {
    await blackhole.close();
    throw error;
  }
}
