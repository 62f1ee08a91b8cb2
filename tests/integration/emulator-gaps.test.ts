import {
  DescribeUpdateCommand,
  EKSClient,
  ListClustersCommand,
  ListIdentityProviderConfigsCommand,
} from '@aws-sdk/client-eks';
import { awsCall } from '../../core/adapters/aws/aws-call';
import { NotImplementedByEmulatorError } from '../../core/kernel/errors';
import { awsClientConfig } from '../helpers/stack';

/** The emulator lacks some EKS APIs; awsCall names that one way, in one place (aws-call.ts). */
describe('AWS emulator gaps', () => {
  const eks = () => new EKSClient(awsClientConfig());

  it.each([
    // Add-ons are emulated by tools/moto/eks_addons.py; identity provider configs are not emulated at all.
    ['ListIdentityProviderConfigs', () => new ListIdentityProviderConfigsCommand({ clusterName: 'sandbox' })],
    // An update id the extension did not issue falls through to moto, which has no DescribeUpdate.
    ['DescribeUpdate', () => new DescribeUpdateCommand({ name: 'sandbox', updateId: 'u-1' })],
  ])('%s on the emulator becomes NotImplementedByEmulatorError', async (_name, command) => {
    await expect(awsCall('EKS call', () => eks().send(command() as never))).rejects.toBeInstanceOf(
      NotImplementedByEmulatorError,
    );
  });

  it('an implemented API still answers normally', async () => {
    const out = await awsCall('EKS ListClusters', () => eks().send(new ListClustersCommand({})));
    expect(Array.isArray(out.clusters)).toBe(true);
  });
});
