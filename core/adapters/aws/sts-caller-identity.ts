import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts';
import type { CallerIdentity } from '../../health/ports/doctor';
import { awsCall } from './aws-call';

/**
 * The ARN the functions' credentials belong to (a role's is its assumed-role session ARN); the call needs
 * no permission. The STS client is loaded on first use: only `doctor` asks, and every function's cold start
 * would otherwise load it.
 */
export class StsCallerIdentity implements CallerIdentity {
  private client?: STSClient;

  constructor(private readonly config: STSClientConfig) {}

  async callerArn(): Promise<string> {
    const { STSClient, GetCallerIdentityCommand } =
      require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
    this.client ??= new STSClient(this.config);
    const sts = this.client;
    const out = await awsCall('STS GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
    if (!out.Arn) throw new Error('STS GetCallerIdentity answered no Arn');
    return out.Arn;
  }
}
