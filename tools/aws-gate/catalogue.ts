/**
 * Every AWS operation the gate lets a non-admin caller make, in one place: how a request is recognised
 * (signing service plus X-Amz-Target / Action / REST method and path), which IAM action(s) it needs, on which
 * resource ARNs, with which condition keys. An operation missing here is refused (fail closed). To add one,
 * see README.md ("Adding an operation").
 */

/** What one request needs from IAM: AWS authorizes each of these, and the request passes only if all are allowed. */
export interface Authorization {
  action: string;
  resource: string;
  /** Condition keys AWS supplies for this request (aws:ResourceTag/* is added by the gate from the emulator). */
  context?: Record<string, string | string[]>;
}

/** Resource ARNs that carry an id the request does not name (node groups, add-ons, access entries end in a uuid). */
export interface EmulatorLookups {
  nodegroupArn(cluster: string, nodegroup: string): Promise<string | undefined>;
  addonArn(cluster: string, addon: string): Promise<string | undefined>;
  accessEntryArn(cluster: string, principalArn: string): Promise<string | undefined>;
}

export interface OperationRequest {
  /** JSON body (json, rest-json), or the form/query parameters (query protocol), with REST query parameters merged in. */
  input: any;
  /** REST path labels, decoded. */
  path: Record<string, string>;
  region: string;
  account: string;
  lookups: EmulatorLookups;
}

export type Protocol = 'json-1.0' | 'json-1.1' | 'rest-json' | 'query';

export interface ServiceEntry {
  /** The credential scope's service name (what the SDK signs for). */
  signingName: string;
  /** The IAM action prefix. */
  iamPrefix: string;
  protocol: Protocol;
  /** JSON protocols: X-Amz-Target is `<targetPrefix>.<Operation>`. */
  targetPrefix?: string;
  /** JSON protocol with awsQueryCompatible (CloudWatch): errors also carry `x-amzn-query-error`. */
  queryCompatible?: boolean;
  operations: Record<string, OperationEntry>;
}

export interface OperationEntry {
  /** rest-json only: how the operation is recognised, with `{label}` path segments. */
  route?: `${'GET' | 'POST' | 'PUT' | 'DELETE'} /${string}`;
  authorize(request: OperationRequest): Authorization[] | Promise<Authorization[]>;
}

const arn = (r: OperationRequest, service: string, resource: string) =>
  `arn:aws:${service}:${r.region}:${r.account}:${resource}`;
const anyResource = (action: string) => (): Authorization[] => [{ action, resource: '*' }];

/** `aws:RequestTag/<k>` for each tag and `aws:TagKeys`: what AWS supplies on a request that carries tags. */
export function requestTagContext(tags: Record<string, string> | undefined): Record<string, string | string[]> {
  if (!tags || Object.keys(tags).length === 0) return {};
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  };
}

/** iam:PassRole, which AWS checks beside an action that hands a role to a service. */
const passRole = (roleArn: unknown, service: string): Authorization[] =>
  typeof roleArn === 'string' && roleArn
    ? [{ action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': service } }]
    : [];

// ---- EKS (rest-json) ----

const cluster = (r: OperationRequest, name = r.path.clusterName ?? r.path.name) => arn(r, 'eks', `cluster/${name}`);
const onCluster =
  (action: string) =>
  (r: OperationRequest): Authorization[] => [{ action, resource: cluster(r) }];
/** A resource of an unknown uuid still gets an ARN of the right type (AWS authorizes before it looks the name up). */
const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';
/** A label of the operation's route: present whenever the route matched, so a missing one is a catalogue bug. */
const label = (r: OperationRequest, name: string): string => {
  const value = r.path[name];
  if (value === undefined) throw new Error(`the route has no {${name}} label`);
  return value;
};
const nodegroup = async (r: OperationRequest) =>
  (await r.lookups.nodegroupArn(label(r, 'clusterName'), label(r, 'nodegroupName'))) ??
  arn(r, 'eks', `nodegroup/${r.path.clusterName}/${r.path.nodegroupName}/${UNKNOWN_ID}`);
const addon = async (r: OperationRequest) =>
  (await r.lookups.addonArn(label(r, 'clusterName'), label(r, 'addonName'))) ??
  arn(r, 'eks', `addon/${r.path.clusterName}/${r.path.addonName}/${UNKNOWN_ID}`);
/** `access-entry/<cluster>/<role|user>/<account>/<name>/<uuid>` for the principal in the path. */
const accessEntry = async (r: OperationRequest) => {
  const principalArn = label(r, 'principalArn');
  const found = await r.lookups.accessEntryArn(label(r, 'clusterName'), principalArn);
  if (found) return found;
  const [, , , , account, kindAndName = ''] = principalArn.split(':');
  const [kind, ...name] = kindAndName.split('/');
  return arn(r, 'eks', `access-entry/${r.path.clusterName}/${kind}/${account}/${name.at(-1)}/${UNKNOWN_ID}`);
};
/** eks:accessScope and eks:namespaces of an AssociateAccessPolicy request. */
const accessScopeContext = (input: any): Record<string, string | string[]> => ({
  ...(input?.accessScope?.type ? { 'eks:accessScope': input.accessScope.type } : {}),
  ...(input?.accessScope?.namespaces?.length ? { 'eks:namespaces': input.accessScope.namespaces } : {}),
});

const EKS: ServiceEntry = {
  signingName: 'eks',
  iamPrefix: 'eks',
  protocol: 'rest-json',
  operations: {
    ListClusters: { route: 'GET /clusters', authorize: anyResource('eks:ListClusters') },
    CreateCluster: {
      route: 'POST /clusters',
      authorize: (r) => [
        { action: 'eks:CreateCluster', resource: cluster(r, r.input.name), context: requestTagContext(r.input.tags) },
        ...passRole(r.input.roleArn, 'eks.amazonaws.com'),
      ],
    },
    DescribeCluster: { route: 'GET /clusters/{name}', authorize: onCluster('eks:DescribeCluster') },
    DeleteCluster: { route: 'DELETE /clusters/{name}', authorize: onCluster('eks:DeleteCluster') },
    UpdateClusterConfig: {
      route: 'POST /clusters/{name}/update-config',
      authorize: onCluster('eks:UpdateClusterConfig'),
    },
    // The Service Authorization Reference: cluster is DescribeUpdate's one required resource type, also for
    // a node group's or an add-on's update.
    DescribeUpdate: { route: 'GET /clusters/{name}/updates/{updateId}', authorize: onCluster('eks:DescribeUpdate') },
    ListUpdates: { route: 'GET /clusters/{name}/updates', authorize: onCluster('eks:ListUpdates') },
    ListNodegroups: { route: 'GET /clusters/{clusterName}/node-groups', authorize: onCluster('eks:ListNodegroups') },
    CreateNodegroup: {
      route: 'POST /clusters/{clusterName}/node-groups',
      authorize: (r) => [
        { action: 'eks:CreateNodegroup', resource: cluster(r), context: requestTagContext(r.input.tags) },
        ...passRole(r.input.nodeRole, 'eks.amazonaws.com'),
      ],
    },
    DescribeNodegroup: {
      route: 'GET /clusters/{clusterName}/node-groups/{nodegroupName}',
      authorize: async (r) => [{ action: 'eks:DescribeNodegroup', resource: await nodegroup(r) }],
    },
    DeleteNodegroup: {
      route: 'DELETE /clusters/{clusterName}/node-groups/{nodegroupName}',
      authorize: async (r) => [{ action: 'eks:DeleteNodegroup', resource: await nodegroup(r) }],
    },
    UpdateNodegroupConfig: {
      route: 'POST /clusters/{clusterName}/node-groups/{nodegroupName}/update-config',
      authorize: async (r) => [{ action: 'eks:UpdateNodegroupConfig', resource: await nodegroup(r) }],
    },
    ListAddons: { route: 'GET /clusters/{clusterName}/addons', authorize: onCluster('eks:ListAddons') },
    CreateAddon: {
      route: 'POST /clusters/{clusterName}/addons',
      authorize: (r) => [
        { action: 'eks:CreateAddon', resource: cluster(r), context: requestTagContext(r.input.tags) },
        ...passRole(r.input.serviceAccountRoleArn, 'eks.amazonaws.com'),
      ],
    },
    DescribeAddon: {
      route: 'GET /clusters/{clusterName}/addons/{addonName}',
      authorize: async (r) => [{ action: 'eks:DescribeAddon', resource: await addon(r) }],
    },
    DeleteAddon: {
      route: 'DELETE /clusters/{clusterName}/addons/{addonName}',
      authorize: async (r) => [{ action: 'eks:DeleteAddon', resource: await addon(r) }],
    },
    UpdateAddon: {
      route: 'POST /clusters/{clusterName}/addons/{addonName}/update',
      authorize: async (r) => [
        { action: 'eks:UpdateAddon', resource: await addon(r) },
        ...passRole(r.input.serviceAccountRoleArn, 'eks.amazonaws.com'),
      ],
    },
    DescribeAddonVersions: {
      route: 'GET /addons/supported-versions',
      authorize: anyResource('eks:DescribeAddonVersions'),
    },
    ListAccessEntries: {
      route: 'GET /clusters/{clusterName}/access-entries',
      authorize: onCluster('eks:ListAccessEntries'),
    },
    CreateAccessEntry: {
      route: 'POST /clusters/{clusterName}/access-entries',
      authorize: (r) => [
        {
          action: 'eks:CreateAccessEntry',
          resource: cluster(r),
          context: {
            ...requestTagContext(r.input.tags),
            ...(r.input.principalArn ? { 'eks:principalArn': r.input.principalArn } : {}),
            ...(r.input.type ? { 'eks:accessEntryType': r.input.type } : {}),
            ...(r.input.username ? { 'eks:username': r.input.username } : {}),
            ...(r.input.kubernetesGroups?.length ? { 'eks:kubernetesGroups': r.input.kubernetesGroups } : {}),
          },
        },
      ],
    },
    DescribeAccessEntry: {
      route: 'GET /clusters/{clusterName}/access-entries/{principalArn}',
      authorize: async (r) => [{ action: 'eks:DescribeAccessEntry', resource: await accessEntry(r) }],
    },
    DeleteAccessEntry: {
      route: 'DELETE /clusters/{clusterName}/access-entries/{principalArn}',
      authorize: async (r) => [{ action: 'eks:DeleteAccessEntry', resource: await accessEntry(r) }],
    },
    AssociateAccessPolicy: {
      route: 'POST /clusters/{clusterName}/access-entries/{principalArn}/access-policies',
      authorize: async (r) => [
        {
          action: 'eks:AssociateAccessPolicy',
          resource: await accessEntry(r),
          context: { 'eks:policyArn': r.input.policyArn, ...accessScopeContext(r.input) },
        },
      ],
    },
    ListAssociatedAccessPolicies: {
      route: 'GET /clusters/{clusterName}/access-entries/{principalArn}/access-policies',
      authorize: async (r) => [{ action: 'eks:ListAssociatedAccessPolicies', resource: await accessEntry(r) }],
    },
    DisassociateAccessPolicy: {
      route: 'DELETE /clusters/{clusterName}/access-entries/{principalArn}/access-policies/{policyArn}',
      authorize: async (r) => [
        {
          action: 'eks:DisassociateAccessPolicy',
          resource: await accessEntry(r),
          context: { 'eks:policyArn': label(r, 'policyArn') },
        },
      ],
    },
    TagResource: {
      route: 'POST /tags/{resourceArn}',
      authorize: (r) => [
        { action: 'eks:TagResource', resource: label(r, 'resourceArn'), context: requestTagContext(r.input.tags) },
      ],
    },
    UntagResource: {
      route: 'DELETE /tags/{resourceArn}',
      authorize: (r) => [
        {
          action: 'eks:UntagResource',
          resource: label(r, 'resourceArn'),
          context: { 'aws:TagKeys': [r.input.tagKeys ?? []].flat() },
        },
      ],
    },
    ListTagsForResource: {
      route: 'GET /tags/{resourceArn}',
      authorize: (r) => [{ action: 'eks:ListTagsForResource', resource: label(r, 'resourceArn') }],
    },
  },
};

// ---- DynamoDB (JSON 1.0) ----

/** A table named by name or by ARN (the SDK takes both). */
const table = (r: OperationRequest, name: string) =>
  name.startsWith('arn:') ? name : arn(r, 'dynamodb', `table/${name}`);
const onTable =
  (action: string) =>
  (r: OperationRequest): Authorization[] => [{ action, resource: table(r, r.input.TableName) }];
/** Query and Scan of an index are authorized on the index's ARN. */
const onTableOrIndex =
  (action: string) =>
  (r: OperationRequest): Authorization[] => [
    {
      action,
      resource: r.input.IndexName
        ? `${table(r, r.input.TableName)}/index/${r.input.IndexName}`
        : table(r, r.input.TableName),
    },
  ];
/** TransactWriteItems is no IAM action: each item is authorized as its own Put/Update/Delete/ConditionCheck. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const DYNAMODB: ServiceEntry = {
  signingName: 'dynamodb',
  iamPrefix: 'dynamodb',
  protocol: 'json-1.0',
  targetPrefix: 'DynamoDB_20120810',
  operations: {
    GetItem: { authorize: onTable('dynamodb:GetItem') },
    PutItem: { authorize: onTable('dynamodb:PutItem') },
    UpdateItem: { authorize: onTable('dynamodb:UpdateItem') },
    DeleteItem: { authorize: onTable('dynamodb:DeleteItem') },
    Query: { authorize: onTableOrIndex('dynamodb:Query') },
    Scan: { authorize: onTableOrIndex('dynamodb:Scan') },
    DescribeTable: { authorize: onTable('dynamodb:DescribeTable') },
    TransactWriteItems: {
      authorize: (r) =>
        (r.input.TransactItems ?? []).flatMap((item: Record<string, { TableName: string }>) =>
          Object.entries(item).map(([kind, body]) => ({
            action: TRANSACT_ITEM_ACTIONS[kind] ?? `dynamodb:${kind}`,
            resource: table(r, body.TableName),
          })),
        ),
    },
    TransactGetItems: {
      authorize: (r) =>
        (r.input.TransactItems ?? []).map((item: { Get: { TableName: string } }) => ({
          action: 'dynamodb:GetItem',
          resource: table(r, item.Get.TableName),
        })),
    },
    BatchGetItem: {
      authorize: (r) =>
        Object.keys(r.input.RequestItems ?? {}).map((name) => ({
          action: 'dynamodb:BatchGetItem',
          resource: table(r, name),
        })),
    },
    BatchWriteItem: {
      authorize: (r) =>
        Object.keys(r.input.RequestItems ?? {}).map((name) => ({
          action: 'dynamodb:BatchWriteItem',
          resource: table(r, name),
        })),
    },
  },
};

// ---- Step Functions (JSON 1.0) ----

const onInputArn =
  (action: string, field: string) =>
  (r: OperationRequest): Authorization[] => [{ action, resource: String(r.input[field]) }];

const STATES: ServiceEntry = {
  signingName: 'states',
  iamPrefix: 'states',
  protocol: 'json-1.0',
  targetPrefix: 'AWSStepFunctions',
  operations: {
    StartExecution: { authorize: onInputArn('states:StartExecution', 'stateMachineArn') },
    DescribeExecution: { authorize: onInputArn('states:DescribeExecution', 'executionArn') },
    GetExecutionHistory: { authorize: onInputArn('states:GetExecutionHistory', 'executionArn') },
    StopExecution: { authorize: onInputArn('states:StopExecution', 'executionArn') },
    ListExecutions: { authorize: onInputArn('states:ListExecutions', 'stateMachineArn') },
  },
};

// ---- EventBridge (JSON 1.1) ----

const EVENTS: ServiceEntry = {
  signingName: 'events',
  iamPrefix: 'events',
  protocol: 'json-1.1',
  targetPrefix: 'AWSEvents',
  operations: {
    // Each entry is authorized on its bus, with its source and detail type as condition keys.
    PutEvents: {
      authorize: (r) =>
        (r.input.Entries ?? []).map((entry: { EventBusName?: string; Source?: string; DetailType?: string }) => {
          const bus = entry.EventBusName || 'default';
          return {
            action: 'events:PutEvents',
            resource: bus.startsWith('arn:') ? bus : arn(r, 'events', `event-bus/${bus}`),
            context: {
              ...(entry.Source ? { 'events:source': entry.Source } : {}),
              ...(entry.DetailType ? { 'events:detail-type': entry.DetailType } : {}),
            },
          };
        }),
    },
  },
};

// ---- EventBridge Scheduler (rest-json) ----

const schedule = (r: OperationRequest) =>
  arn(r, 'scheduler', `schedule/${r.input.GroupName || r.input.groupName || 'default'}/${r.path.Name}`);

const SCHEDULER: ServiceEntry = {
  signingName: 'scheduler',
  iamPrefix: 'scheduler',
  protocol: 'rest-json',
  operations: {
    CreateSchedule: {
      route: 'POST /schedules/{Name}',
      authorize: (r) => [
        { action: 'scheduler:CreateSchedule', resource: schedule(r) },
        ...passRole(r.input.Target?.RoleArn, 'scheduler.amazonaws.com'),
      ],
    },
    UpdateSchedule: {
      route: 'PUT /schedules/{Name}',
      authorize: (r) => [
        { action: 'scheduler:UpdateSchedule', resource: schedule(r) },
        ...passRole(r.input.Target?.RoleArn, 'scheduler.amazonaws.com'),
      ],
    },
    GetSchedule: {
      route: 'GET /schedules/{Name}',
      authorize: (r) => [{ action: 'scheduler:GetSchedule', resource: schedule(r) }],
    },
    DeleteSchedule: {
      route: 'DELETE /schedules/{Name}',
      authorize: (r) => [{ action: 'scheduler:DeleteSchedule', resource: schedule(r) }],
    },
  },
};

// ---- CloudWatch (JSON 1.0, query-compatible; the query protocol of older clients maps to the same names) ----

const alarms = (r: OperationRequest, action: string, names: unknown): Authorization[] =>
  [names ?? []].flat().map((name) => ({ action, resource: arn(r, 'cloudwatch', `alarm:${String(name)}`) }));

const CLOUDWATCH: ServiceEntry = {
  signingName: 'monitoring',
  iamPrefix: 'cloudwatch',
  protocol: 'json-1.0',
  targetPrefix: 'GraniteServiceVersion20100801',
  queryCompatible: true,
  operations: {
    DescribeAlarms: { authorize: anyResource('cloudwatch:DescribeAlarms') },
    GetMetricData: { authorize: anyResource('cloudwatch:GetMetricData') },
    ListMetrics: { authorize: anyResource('cloudwatch:ListMetrics') },
    PutMetricData: {
      authorize: (r) => [
        {
          action: 'cloudwatch:PutMetricData',
          resource: '*',
          context: r.input.Namespace ? { 'cloudwatch:namespace': String(r.input.Namespace) } : undefined,
        },
      ],
    },
    PutMetricAlarm: { authorize: (r) => alarms(r, 'cloudwatch:PutMetricAlarm', r.input.AlarmName) },
    SetAlarmState: { authorize: (r) => alarms(r, 'cloudwatch:SetAlarmState', r.input.AlarmName) },
    DeleteAlarms: { authorize: (r) => alarms(r, 'cloudwatch:DeleteAlarms', r.input.AlarmNames) },
  },
};

// ---- ELBv2 (query): the ALB canaries read back what the AWS Load Balancer Controller made; Describe* actions take
// no resource-level permissions (Service Authorization Reference), so each is authorized on `*`. ----

const ELBV2_READS = [
  'DescribeLoadBalancers',
  'DescribeListeners',
  'DescribeRules',
  'DescribeTargetGroups',
  'DescribeTargetHealth',
  'DescribeTags',
] as const;

const ELBV2: ServiceEntry = {
  signingName: 'elasticloadbalancing',
  iamPrefix: 'elasticloadbalancing',
  protocol: 'query',
  operations: Object.fromEntries(
    ELBV2_READS.map((op) => [op, { authorize: anyResource(`elasticloadbalancing:${op}`) }]),
  ),
};

// ---- STS (query): the gate answers GetCallerIdentity itself; it needs no permission in AWS either. ----

const STS: ServiceEntry = {
  signingName: 'sts',
  iamPrefix: 'sts',
  protocol: 'query',
  operations: { GetCallerIdentity: { authorize: () => [] } },
};

/** The catalogue, by signing name. */
export const SERVICES: Record<string, ServiceEntry> = Object.fromEntries(
  [EKS, DYNAMODB, STATES, EVENTS, SCHEDULER, CLOUDWATCH, ELBV2, STS].map((s) => [s.signingName, s]),
);
