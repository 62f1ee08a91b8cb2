/**
 * Resolves the CloudFormation intrinsics of a packaged template's policy resources to ARN strings, for the
 * account, region and partition given (the sandbox's: 000000000000, us-east-1, aws). Only what eksflow's
 * templates use; anything else is an error naming it, never a guess.
 */

export interface ResolveContext {
  account: string;
  region: string;
  partition: string;
  resources: Record<string, { Type: string; Properties?: any }>;
}

export function resolveValue(value: unknown, ctx: ResolveContext): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  const v = value as Record<string, any>;
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'];
    return (parts as unknown[]).map((p) => resolveValue(p, ctx)).join(separator);
  }
  if ('Ref' in v) return ref(v.Ref, ctx);
  if ('Fn::GetAtt' in v) {
    const [id, attribute] = typeof v['Fn::GetAtt'] === 'string' ? v['Fn::GetAtt'].split('.') : v['Fn::GetAtt'];
    return getAtt(id, attribute, ctx);
  }
  if ('Fn::Sub' in v) {
    const [text, variables = {}] = (Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'] : [v['Fn::Sub']]) as [
      string,
      Record<string, unknown>?,
    ];
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in variables) return resolveValue(variables[name], ctx);
      const [id = '', attribute] = name.split('.');
      return attribute ? getAtt(id, attribute, ctx) : ref(id, ctx);
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function ref(name: string, ctx: ResolveContext): string {
  if (name === 'AWS::AccountId') return ctx.account;
  if (name === 'AWS::Region') return ctx.region;
  if (name === 'AWS::Partition') return ctx.partition;
  const resource = ctx.resources[name];
  if (!resource) throw new Error(`cannot resolve Ref ${name}`);
  // Refs that are ARNs; a Ref that is a name or URL is no resource of a policy.
  if (['AWS::SNS::Topic', 'AWS::IAM::ManagedPolicy', 'AWS::StepFunctions::StateMachine'].includes(resource.Type))
    return getAtt(name, 'Arn', ctx);
  throw new Error(`Ref ${name} (${resource.Type}) is not an ARN`);
}

function getAtt(id: string, attribute: string, ctx: ResolveContext): string {
  const resource = ctx.resources[id];
  if (!resource) throw new Error(`cannot resolve GetAtt ${id}.${attribute}`);
  const p = resource.Properties ?? {};
  const name = (given: unknown) => (typeof given === 'string' ? given : id);
  const { account: a, region: r, partition: part } = ctx;
  if (attribute !== 'Arn') throw new Error(`GetAtt ${id}.${attribute} is not an ARN`);
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table':
      return `arn:${part}:dynamodb:${r}:${a}:table/${name(p.TableName)}`;
    case 'AWS::SQS::Queue':
      return `arn:${part}:sqs:${r}:${a}:${name(p.QueueName)}`;
    case 'AWS::Lambda::Function':
      return `arn:${part}:lambda:${r}:${a}:function:${name(p.FunctionName)}`;
    case 'AWS::IAM::Role':
      return `arn:${part}:iam::${a}:role/${name(p.RoleName)}`;
    case 'AWS::IAM::ManagedPolicy':
      return `arn:${part}:iam::${a}:policy/${name(p.ManagedPolicyName)}`;
    case 'AWS::Logs::LogGroup':
      return `arn:${part}:logs:${r}:${a}:log-group:${name(p.LogGroupName)}:*`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${part}:states:${r}:${a}:stateMachine:${name(p.StateMachineName)}`;
    case 'AWS::SNS::Topic':
      return `arn:${part}:sns:${r}:${a}:${name(p.TopicName)}`;
    default:
      throw new Error(`GetAtt ${id}.Arn of a ${resource.Type} is not known to the IAM lint`);
  }
}
