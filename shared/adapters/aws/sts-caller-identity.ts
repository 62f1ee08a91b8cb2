import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { CallerIdentity } from '../../ports/doctor';
import { awsCall } from './aws-call';

/** The ARN the functions' credentials belong to (a role's is its assumed-role session ARN). Needs no permission. */
export class StsCallerIdentity implements CallerIdentity {
  constructor(private readonly sts: STSClient) {}

  async callerArn(): Promise<string> {
    const out = await awsCall('STS GetCallerIdentity', () => this.sts.send(new GetCallerIdentityCommand({})));
    if (!out.Arn) throw new Error('STS GetCallerIdentity answered no Arn');
    return out.Arn;
  }
}
