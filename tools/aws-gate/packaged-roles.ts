import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PolicyDocument } from './evaluate';

/**
 * The roles eksflow's functions get when deployed, taken from the packaged CloudFormation template (`sls
 * package`), with its references resolved for the sandbox's account, region and stage: what the AWS gate
 * evaluates each function's calls against.
 */

export const SANDBOX_ACCOUNT = '000000000000';
export const SANDBOX_STAGE = 'dev';

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: any }>;
}

/** One function's packaged role, resolved. */
export interface FunctionRole {
  /** serverless.yml's function name (`scaleCheck`). */
  functionName: string;
  roleName: string;
  roleArn: string;
  /** The inline policies, resolved (managed policies are not modelled: eksflow's roles have none that matter here). */
  policies: { name: string; document: PolicyDocument }[];
  /** The function's environment variables that resolved to strings. */
  environment: Record<string, string>;
}

/** Inputs that change the packaged template: a new hash, a new package. */
const TEMPLATE_INPUTS = ['serverless.yml', 'deploy', 'workflows'];

/**
 * The deploy parameters the sandbox packages with (README "Deploy"), set whole so that a developer's own shell
 * cannot change the sandbox's roles behind the cache's back. The VPC and subnets are placeholders: the sandbox places
 * VPC functions by serverless.yml's `vpc` keys (local/sandbox/network-model.ts), and no role of a function calls EC2.
 */
export const SANDBOX_DEPLOY_PARAMETERS: Record<string, string> = {
  EKSFLOW_VPC_ID: 'vpc-0000000000sandbox',
  EKSFLOW_SUBNET_IDS: 'subnet-000000sandbox-a,subnet-000000sandbox-b',
};

/**
 * The packaged template, from `.cache/packaged-template/<hash>.json` when serverless.yml, deploy/** and
 * workflows/** are unchanged since the last package; else packaged now (about half a minute) and cached.
 */
export async function packagedTemplate(
  root: string,
  progress: (message: string) => void = () => undefined,
): Promise<CfnTemplate> {
  const cacheDir = path.join(root, '.cache', 'packaged-template');
  const cached = path.join(cacheDir, `${templateInputsHash(root)}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8'));
  progress("packaging the CloudFormation template for the functions' roles (sls package, cached after this)");
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-roles-'));
  try {
    await promisify(execFile)(
      path.join(root, 'node_modules/.bin/sls'),
      ['package', '--stage', SANDBOX_STAGE, '--package', outDir],
      {
        cwd: root,
        // Offline: no account, no endpoint (the sandbox's must not leak into the package).
        env: {
          ...withoutDeployParameters(process.env),
          ...SANDBOX_DEPLOY_PARAMETERS,
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          AWS_ENDPOINT_URL: '',
        },
        timeout: 300000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const text = readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8');
    mkdirSync(cacheDir, { recursive: true });
    // Written whole, then renamed: a concurrent reader never sees half a template.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, text);
    renameSync(partial, cached);
    return JSON.parse(text);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export function templateInputsHash(root: string): string {
  const hash = createHash('sha256');
  const visit = (relative: string) => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(path.join(relative, name));
      return;
    }
    hash.update(`${relative}\0`).update(readFileSync(full)).update('\0');
  };
  for (const input of TEMPLATE_INPUTS) visit(input);
  hash.update(JSON.stringify(SANDBOX_DEPLOY_PARAMETERS));
  return hash.digest('hex').slice(0, 16);
}

/** The environment without any EKSFLOW_* deploy parameter: the sandbox's package takes only its own. */
function withoutDeployParameters(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('EKSFLOW_')));
}

export interface SandboxResolution {
  region: string;
  account?: string;
  /** The sandbox's table in place of the template's (each test runtime has its own). */
  tableName?: string;
}

/** Every function's role, resolved. */
export function functionRoles(template: CfnTemplate, resolution: SandboxResolution): FunctionRole[] {
  const resolve = resolver(template, resolution);
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .flatMap((fn) => {
      const role = roleOf(template, resolve, fn.Properties?.Role);
      if (!role) return [];
      const functionName = String(resolve(fn.Properties.FunctionName)).replace(/^eksflow-[^-]+-/, '');
      const environment = Object.fromEntries(
        Object.entries(fn.Properties?.Environment?.Variables ?? {}).flatMap(([k, v]) => {
          const value = resolve(v);
          return typeof value === 'string' ? [[k, value]] : [];
        }),
      );
      return [{ functionName, ...role, environment }];
    });
}

/** A state machine's role, resolved: it must allow lambda:InvokeFunction on each of its tasks' functions. */
export interface StateMachineRole {
  /** The workflow's file name under workflows/ (`scale-nodegroup`). */
  workflow: string;
  roleName: string;
  roleArn: string;
  policies: FunctionRole['policies'];
}

export function stateMachineRoles(template: CfnTemplate, resolution: SandboxResolution): StateMachineRole[] {
  const resolve = resolver(template, resolution);
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
    .flatMap((sm) => {
      const role = roleOf(template, resolve, sm.Properties?.RoleArn);
      if (!role) return [];
      const workflow = String(resolve(sm.Properties.StateMachineName)).replace(/^eksflow-[^-]+-/, '');
      return [{ workflow, ...role }];
    });
}

/** The role a `{"Fn::GetAtt": [<role>, "Arn"]}` names, with its inline policies resolved. */
function roleOf(template: CfnTemplate, resolve: (value: unknown) => unknown, reference: any) {
  const roleId = reference?.['Fn::GetAtt']?.[0];
  const role = roleId ? template.Resources[roleId] : undefined;
  if (role?.Type !== 'AWS::IAM::Role') return undefined;
  return {
    roleName: String(resolve({ Ref: roleId })),
    roleArn: String(resolve({ 'Fn::GetAtt': [roleId, 'Arn'] })),
    policies: [
      ...(role.Properties?.Policies ?? []).map((p: any) => ({
        name: String(p.PolicyName),
        document: resolve(p.PolicyDocument) as PolicyDocument,
      })),
      ...attachedPolicies(template, resolve, roleId),
    ],
  };
}

/**
 * The policies written as resources of their own that name the role (`AWS::IAM::Policy` and customer-managed
 * `AWS::IAM::ManagedPolicy` with `Roles: [{Ref: <role>}]`): IAM evaluates them with its inline ones.
 */
function attachedPolicies(template: CfnTemplate, resolve: (value: unknown) => unknown, roleId: string) {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter(([, r]) => (r.Properties?.Roles ?? []).some((ref: any) => ref?.Ref === roleId))
    .map(([id, r]) => ({
      name: String(r.Properties?.PolicyName ?? r.Properties?.ManagedPolicyName ?? id),
      document: resolve(r.Properties?.PolicyDocument) as PolicyDocument,
    }));
}

/** The environment the packaged functions share (the provisioning's first step's, which names the most). */
export function packagedEnvironment(template: CfnTemplate, region: string): Record<string, string> {
  const roles = functionRoles(template, { region });
  return (roles.find((r) => r.functionName === 'provisionRequestControlPlane') ?? roles[0])?.environment ?? {};
}

/** Ref, Fn::GetAtt, Fn::Join and Fn::Sub, for the resource types eksflow's roles and environment refer to. */
function resolver(template: CfnTemplate, resolution: SandboxResolution): (value: unknown) => unknown {
  const region = resolution.region;
  const account = resolution.account ?? SANDBOX_ACCOUNT;
  const pseudo: Record<string, string> = {
    'AWS::AccountId': account,
    'AWS::Region': region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': `eksflow-${SANDBOX_STAGE}`,
  };
  const name = (id: string): string => {
    const r = template.Resources[id];
    const p = r?.Properties ?? {};
    if (r?.Type === 'AWS::DynamoDB::Table') return resolution.tableName ?? String(resolve(p.TableName));
    const named = p.RoleName ?? p.FunctionName ?? p.StateMachineName ?? p.QueueName ?? p.Name ?? p.TopicName;
    return named === undefined ? id : String(resolve(named));
  };
  const ref = (id: string): string => {
    if (id in pseudo) return pseudo[id];
    const type = template.Resources[id]?.Type;
    if (type === 'AWS::StepFunctions::StateMachine' || type === 'AWS::SNS::Topic') return attr(id, 'Arn');
    if (type === 'AWS::SQS::Queue') return `https://sqs.${region}.amazonaws.com/${account}/${name(id)}`;
    return name(id);
  };
  const attr = (id: string, attribute: string): string => {
    const type = template.Resources[id]?.Type;
    if (attribute !== 'Arn') return `${name(id)}`;
    switch (type) {
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${name(id)}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${name(id)}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${name(id)}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${account}:stateMachine:${name(id)}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${name(id)}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${name(id)}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${name(id)}`;
      case 'AWS::Scheduler::ScheduleGroup':
        return `arn:aws:scheduler:${region}:${account}:schedule-group/${name(id)}`;
      default:
        return `arn:aws:cloudformation:${region}:${account}:unresolved/${id}`;
    }
  };
  const sub = (text: string, vars: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
      if (key in vars) return String(resolve(vars[key]));
      const [id, attribute] = key.split('.');
      return attribute ? attr(id, attribute) : ref(id);
    });
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, any>;
    if ('Ref' in v) return ref(v.Ref);
    if ('Fn::GetAtt' in v) {
      const [id, attribute] = Array.isArray(v['Fn::GetAtt']) ? v['Fn::GetAtt'] : String(v['Fn::GetAtt']).split('.');
      return attr(id, attribute);
    }
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'];
      return (resolve(parts) as unknown[]).map(String).join(separator);
    }
    if ('Fn::Sub' in v) {
      const [text, vars] = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'] : [v['Fn::Sub'], {}];
      return sub(text, vars);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };
  return resolve;
}
