import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  decideReach,
  type EndpointNetwork,
  inCidr,
  type Placement,
  SANDBOX_EGRESS_ADDRESS,
} from '../../../../local/sandbox/network-model';
import { readServerlessManifest } from '../../../../local/serverless-manifest';

const outside: Placement = { functionName: 'api', egressAddresses: [SANDBOX_EGRESS_ADDRESS] };
const inside: Placement = { ...outside, vpcId: 'vpc-functions' };
const endpoint = (over: Partial<EndpointNetwork>): EndpointNetwork => ({
  cluster: 'prod',
  vpcId: 'vpc-functions',
  publicAccess: true,
  privateAccess: false,
  publicAccessCidrs: ['0.0.0.0/0'],
  ...over,
});

describe('decideReach', () => {
  it.each([
    ['public, open to all, from outside any VPC', outside, endpoint({}), 'public'],
    ['public and private, from inside its VPC', inside, endpoint({ privateAccess: true }), 'private'],
    ['private-only, from inside its VPC', inside, endpoint({ publicAccess: false, privateAccess: true }), 'private'],
    [
      'public limited to the egress range, from outside',
      outside,
      endpoint({ publicAccessCidrs: ['198.51.100.0/24'] }),
      'public',
    ],
  ])('reaches an endpoint %s', (_case, from, to, by) => {
    // Act / Assess
    expect(decideReach(from, to)).toEqual({ reachable: true, by });
  });

  it.each([
    [
      'private-only, from outside any VPC',
      outside,
      endpoint({ publicAccess: false, privateAccess: true }),
      /private-only \(VPC vpc-functions\) and api is in no VPC/,
    ],
    [
      'private-only, from another VPC',
      { ...outside, vpcId: 'vpc-other' },
      endpoint({ publicAccess: false, privateAccess: true }),
      /private-only .* api is in VPC vpc-other/,
    ],
    [
      'public limited to other addresses, even from inside its VPC when private access is off',
      inside,
      endpoint({ publicAccessCidrs: ['203.0.113.0/24'] }),
      /198\.51\.100\.10\) are outside the publicAccessCidrs of prod \(203\.0\.113\.0\/24\)/,
    ],
  ])('refuses an endpoint %s, saying why', (_case, from, to, reason) => {
    // Act
    const reach = decideReach(from, to);

    // Assess
    expect(reach.reachable).toBe(false);
    expect(reach.reachable ? '' : reach.reason).toMatch(reason);
  });
});

describe('inCidr', () => {
  it.each([
    ['198.51.100.10', '198.51.100.0/24', true],
    ['198.51.100.10', '198.51.101.0/24', false],
    ['198.51.100.10', '0.0.0.0/0', true],
    ['198.51.100.10', '198.51.100.10/32', true],
    ['198.51.100.10', '198.51.100.10', true],
    ['10.0.0.1', '10.0.0.0/8', true],
    ['not-an-ip', '0.0.0.0/0', false],
    ['10.0.0.1', '10.0.0.0/33', false],
  ])('%s in %s: %s', (address, cidr, expected) => {
    // Act / Assess
    expect(inCidr(address, cidr)).toBe(expected);
  });
});

describe('placement from serverless.yml', () => {
  it('places functions with `vpc`, or all under a provider-wide `vpc` except those that set `vpc: ~`', () => {
    // Prepare
    const write = (yaml: string) => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'eksflow-manifest-'));
      writeFileSync(path.join(root, 'serverless.yml'), yaml);
      return readServerlessManifest(root).functions.map((f) => [f.name, f.inVpc]);
    };
    // serverless.yml's own parameter syntax, left unresolved as the manifest reads it.
    const param = (name: string) => `"\${param:${name}}"`;
    const subnets = `{ subnetIds: [${param('subnetIds')}], securityGroupIds: [${param('sg')}] }`;

    // Act
    const perFunction = write(
      `functions:\n  api: { handler: a.main, vpc: ${subnets} }\n  alarm: { handler: b.main }\n`,
    );
    const providerWide = write(
      `provider:\n  vpc: ${subnets}\nfunctions:\n  api: { handler: a.main }\n  alarm: { handler: b.main, vpc: ~ }\n`,
    );

    // Assess
    expect(perFunction).toEqual([
      ['api', true],
      ['alarm', false],
    ]);
    expect(providerWide).toEqual([
      ['api', true],
      ['alarm', false],
    ]);
  });
});
