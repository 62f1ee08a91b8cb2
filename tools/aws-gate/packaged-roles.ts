import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config';
import type { PolicyDocument } from './evaluate';
import { inputsHash, PACKAGE_STAGE, packagedArtifact, TEMPLATE_FILE, TEMPLATE_INPUTS } from './packaged-artifact';

type KubeAccess = NonNullable<Config['kubeAccess']>;

/**
 * The roles eksflow's functions get when deployed, taken from the packaged CloudFormation template (`sls
 * package`), with its references resolved for the sandbox's account, region and stage: what the AWS gate
 * evaluates each function's calls against.
 */

export const SANDBOX_ACCOUNT = '000000000000';
/** The stage the sandbox's roles are named for: the one package's. */
export const SANDBOX_STAGE = PACKAGE_STAGE;

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: any }>;
}

/** A role of the packaged template, resolved: what IAM evaluates for whoever acts as it. */
export interface PackagedRole {
  roleName: string;
  roleArn: string;
  /** Inline policies and the template's `AWS::IAM::Policy`/customer-managed policies naming the role, resolved. */
  policies: { name: string; document: PolicyDocument }[];
}

/** One function's packaged role, resolved. */
export interface FunctionRole extends PackagedRole {
  /** serverless.yml's function name (`scaleCheck`). */
  functionName: string;
  functionArn: string;
  /** The function's environment variables that resolved to strings. */
  environment: Record<string, string>;
}

/** A state machine's role, resolved: it must allow lambda:InvokeFunction on each of its tasks' functions. */
export interface StateMachineRole extends PackagedRole {
  /** The workflow's file name under workflows/ (`scale-nodegroup`). */
  workflow: string;
}

/**
 * The packaged template, from `.cache/packaged-template/<hash>.json` when serverless.yml, deploy/** and
 * workflows/** are unchanged since the last package; else from the one package (packaged-artifact.ts, packaged now
 * if the code changed too: about half a minute) and cached. Keyed by the template's inputs alone, so that a change
 * to the functions' code does not make every stack start wait for a package.
 */
export async function packagedTemplate(
  root: string,
  progress: (message: string) => void = () => undefined,
): Promise<CfnTemplate> {
  const cached = path.join(root, '.cache', 'packaged-template', `${inputsHash(root, TEMPLATE_INPUTS)}.json`);
  // Read (or packaged) once per process and inputs: the stack, the sandbox's config and the runtime all ask for it.
  let template = templates.get(cached);
  if (!template) {
    template = readOrPackage(root, cached, progress);
    templates.set(cached, template);
    template.catch(() => templates.delete(cached));
  }
  return template;
}

/** The templates this process has read, by cache file: shared, so never to be changed (copy it to mutate). */
const templates = new Map<string, Promise<CfnTemplate>>();

async function readOrPackage(root: string, cached: string, progress: (message: string) => void): Promise<CfnTemplate> {
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8'));
  const text = readFileSync(path.join(await packagedArtifact(root, progress), TEMPLATE_FILE), 'utf8');
  mkdirSync(path.dirname(cached), { recursive: true });
  // Written whole, then renamed: a concurrent reader never sees half a template.
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, cached);
  return JSON.parse(text);
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
  return withRoles(template, resolve, 'AWS::Lambda::Function', 'Role').map(({ id, properties, role }) => ({
    functionName: stageless(resolve(properties.FunctionName)),
    functionArn: String(resolve({ 'Fn::GetAtt': [id, 'Arn'] })),
    ...role,
    environment: Object.fromEntries(
      Object.entries(properties.Environment?.Variables ?? {}).flatMap(([k, v]) => {
        const value = resolve(v);
        return typeof value === 'string' ? [[k, value]] : [];
      }),
    ),
  }));
}

export function stateMachineRoles(template: CfnTemplate, resolution: SandboxResolution): StateMachineRole[] {
  const resolve = resolver(template, resolution);
  return withRoles(template, resolve, 'AWS::StepFunctions::StateMachine', 'RoleArn').map(({ properties, role }) => ({
    workflow: stageless(resolve(properties.StateMachineName)),
    ...role,
  }));
}

/** Every role of the template, by ARN: a Scheduler schedule or a rule target names the role it acts as by ARN. */
export function rolesByArn(template: CfnTemplate, resolution: SandboxResolution): Map<string, PackagedRole> {
  const resolve = resolver(template, resolution);
  return new Map(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .flatMap(([id]) => {
        const role = roleOf(template, resolve, { 'Fn::GetAtt': [id, 'Arn'] });
        return role ? [[role.roleArn, role] as const] : [];
      }),
  );
}

/** `eksflow-dev-scaleCheck` → `scaleCheck`: serverless.yml's name of a function or state machine. */
const stageless = (name: unknown) => String(name).replace(/^eksflow-[^-]+-/, '');

/** The resources of one type that name a role of the template (`Role`, `RoleArn`), each with that role resolved. */
function withRoles(
  template: CfnTemplate,
  resolve: (value: unknown) => unknown,
  type: string,
  roleProperty: string,
): { id: string; properties: any; role: PackagedRole }[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .flatMap(([id, r]) => {
      const role = roleOf(template, resolve, r.Properties?.[roleProperty]);
      return role ? [{ id, properties: r.Properties, role }] : [];
    });
}

/** An EventBridge rule of the template (serverless.yml's `eventBridge` and `schedule` events), resolved. */
export interface PackagedRule {
  ruleArn: string;
  eventPattern?: Record<string, unknown>;
  scheduleExpression?: string;
  /** Its Lambda targets, by serverless.yml's function name. */
  targets: { functionName: string; functionArn: string; deadLetterArn?: string }[];
}

export function eventRules(template: CfnTemplate, resolution: SandboxResolution): PackagedRule[] {
  const resolve = resolver(template, resolution);
  const functionsByArn = new Map(functionRoles(template, resolution).map((f) => [f.functionArn, f.functionName]));
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.State !== 'DISABLED')
    .map(([id, r]) => ({
      ruleArn: String(resolve({ 'Fn::GetAtt': [id, 'Arn'] })),
      eventPattern: r.Properties.EventPattern,
      scheduleExpression: r.Properties.ScheduleExpression,
      targets: (r.Properties.Targets ?? []).map((t: any) => {
        const functionArn = String(resolve(t.Arn));
        const functionName = functionsByArn.get(functionArn);
        // Fail closed: a state machine target would need its RoleArn evaluated, which nothing here does yet.
        if (!functionName)
          throw new Error(`rule ${id} targets ${functionArn}: the sandbox delivers only to the template's functions`);
        const deadLetterArn = t.DeadLetterConfig?.Arn ? String(resolve(t.DeadLetterConfig.Arn)) : undefined;
        return { functionName, functionArn, ...(deadLetterArn ? { deadLetterArn } : {}) };
      }),
    }));
}

/**
 * Each function's resource-based policy, as Lambda builds it from the template's `AWS::Lambda::Permission`s: one
 * statement each, with `AWS:SourceArn` (ArnLike) and `AWS:SourceAccount` as conditions where the permission names them.
 */
export function functionResourcePolicies(
  template: CfnTemplate,
  resolution: SandboxResolution,
): Map<string, PolicyDocument> {
  const resolve = resolver(template, resolution);
  const statements = new Map<string, unknown[]>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Permission') continue;
    const p = resolve(r.Properties) as Record<string, string>;
    const principal = String(p.Principal);
    const functionName = String(p.FunctionName);
    const condition = {
      ...(p.SourceArn ? { ArnLike: { 'AWS:SourceArn': p.SourceArn } } : {}),
      ...(p.SourceAccount ? { StringEquals: { 'AWS:SourceAccount': p.SourceAccount } } : {}),
    };
    statements.set(functionName, [
      ...(statements.get(functionName) ?? []),
      {
        Sid: id,
        Effect: 'Allow',
        Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
        Action: p.Action,
        Resource: functionName,
        ...(Object.keys(condition).length ? { Condition: condition } : {}),
      },
    ]);
  }
  return new Map([...statements].map(([fn, Statement]) => [fn, { Version: '2012-10-17', Statement }]));
}

/** The role a `{"Fn::GetAtt": [<role>, "Arn"]}` names, with its inline policies resolved. */
function roleOf(template: CfnTemplate, resolve: (value: unknown) => unknown, reference: any): PackagedRole | undefined {
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

/**
 * eksflow's roles given Kubernetes access in the clusters it makes, as the packaged functions' environment names
 * them (EKSFLOW_BASELINE_PRINCIPAL_ARN, EKSFLOW_ROLLOUT/SCALING_PRINCIPAL_ARNS): the one list of them the sandbox
 * uses, for its runtime's config and for the access entries of clusters it makes itself.
 */
export function packagedKubeAccess(roles: FunctionRole[]): KubeAccess {
  const env = roles.find((r) => r.environment.EKSFLOW_BASELINE_PRINCIPAL_ARN)?.environment;
  const baselinePrincipalArn = env?.EKSFLOW_BASELINE_PRINCIPAL_ARN;
  if (!env || !baselinePrincipalArn)
    throw new Error('the packaged template: no function has EKSFLOW_BASELINE_PRINCIPAL_ARN');
  const list = (value: string | undefined) => (value ?? '').split(',').filter(Boolean);
  return {
    baselinePrincipalArn,
    rolloutPrincipalArns: list(env.EKSFLOW_ROLLOUT_PRINCIPAL_ARNS),
    scalingPrincipalArns: list(env.EKSFLOW_SCALING_PRINCIPAL_ARNS),
  };
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
    const pseudoValue = pseudo[id];
    if (pseudoValue !== undefined) return pseudoValue;
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
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${name(id)}`;
      case 'AWS::Scheduler::ScheduleGroup':
        return `arn:aws:scheduler:${region}:${account}:schedule-group/${name(id)}`;
      default:
        return `arn:aws:cloudformation:${region}:${account}:unresolved/${id}`;
    }
  };
  const sub = (text: string, vars: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
      if (key in vars) return String(resolve(vars[key]));
      const [id = '', attribute] = key.split('.');
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
