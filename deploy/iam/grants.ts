/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless variables (${sls:stage}), which osls resolves */
/**
 * The IAM statements a function may be granted, one named grant per statement: deploy/functions.ts lists each
 * function's grants, and the generator there writes every role from them (issue 8 item 4, issue 17 item 4).
 * Rules: no `*` action; a `*` resource only where the action has no resource-level permission (say why);
 * DynamoDB's TransactWriteItems is not an IAM action: each item's own action (PutItem, DeleteItem) authorizes it.
 * Kubernetes API calls need only eks:DescribeCluster here (endpoint and CA); what they may do inside a cluster is
 * its access entry or RBAC (deploy/rbac/eksflow-rbac.yaml), which the table's `kube` says.
 * Values are CloudFormation, with serverless variables (`${sls:stage}`) that osls resolves in what
 * deploy/function-table.cjs returns.
 */

export interface Grant {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

function allow(Sid: string, Action: string[], Resource: unknown, Condition?: Record<string, unknown>): Grant {
  return Condition ? { Sid, Effect: 'Allow', Action, Resource, Condition } : { Sid, Effect: 'Allow', Action, Resource };
}

/** `arn:aws:<service>:<region>:<account>:<resource>` of the stack's own region and account. */
const arn = (service: string, resource: string) => ({
  'Fn::Join': ['', [`arn:aws:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});
/** IAM's ARNs have no region. */
const iamArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});
const getAtt = (resource: string) => ({ 'Fn::GetAtt': [resource, 'Arn'] });

const TABLE = getAtt('EksflowTable');
const tableIndex = (index: 'gsi1' | 'gsi2') => ({ 'Fn::Join': ['', [getAtt('EksflowTable'), `/index/${index}`]] });
const CLUSTERS = arn('eks', 'cluster/*');
const NODEGROUPS = arn('eks', 'nodegroup/*');
/** The same node groups, written as cluster/name/id (the scaling roles'). */
const NODEGROUPS_OF_CLUSTERS = arn('eks', 'nodegroup/*/*/*');
const ADDONS = arn('eks', 'addon/*');
const ACCESS_ENTRIES = arn('eks', 'access-entry/*');
const KMS_KEYS = arn('kms', 'key/*');

type Workflow = 'provision-cluster' | 'delete-cluster' | 'rollout' | 'scale-nodegroup';
// ARNs from names, not Ref: a task function's role naming its own state machine would be a cycle.
const machine = (workflow: Workflow) => arn('states', `stateMachine:\${self:custom.stateMachinePrefix}${workflow}`);
const executions = (workflow: Workflow) => arn('states', `execution:\${self:custom.stateMachinePrefix}${workflow}:*`);

const MANAGED = { StringEquals: { 'aws:ResourceTag/eksflow:managed': 'true' } };
const VIA_EKS = { 'kms:ViaService': { 'Fn::Join': ['', ['eks.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } };
/** Creating only in clusters eksflow manages, and only with eksflow's own tags (tag-on-create is authorized on the
 * create itself: aws:RequestTag, aws:TagKeys). */
const CREATE_MANAGED_PART = {
  StringEquals: { 'aws:ResourceTag/eksflow:managed': 'true', 'aws:RequestTag/eksflow:managed': 'true' },
  'ForAllValues:StringEquals': { 'aws:TagKeys': ['eksflow:managed', 'eksflow:operation'] },
};
const passedTo = (service: string) => ({ StringEquals: { 'iam:PassedToService': service } });

/** Every function writes its own log group, and only it (the generator adds it to every role, first). */
export function ownLogGroup(functionName: string): Grant {
  return allow(
    'OwnLogGroup',
    ['logs:CreateLogStream', 'logs:PutLogEvents'],
    arn('logs', `log-group:/aws/lambda/eksflow-\${sls:stage}-${functionName}:*`),
  );
}

// --- DynamoDB (the one table) ---

/** An operation's record, and its lock (taken and released with it, in one transaction); a task's invocation
 * count, one UpdateItem (OperationStore.countInvocation). */
export const operationRecords = allow(
  'OperationRecords',
  ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  TABLE,
);
/** A rollout's record, lock and alarm entries, and outbox (saves publish, then delete, their events). */
export const rolloutRecord = allow(
  'RolloutRecord',
  ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
  TABLE,
);
/** Guarded rollouts by alarm, their records, locks and outbox (abort, resume after no data). */
export const rolloutRecords = allow(
  'RolloutRecords',
  ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
  TABLE,
);
/** The API: operations (POST /clusters, GET /operations/{id}), rollouts (start, get, list, promote, abort), their
 * Deployment locks, alarm entries and event outbox; DescribeTable for GET /health. */
export const apiTable = allow(
  'Table',
  ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
  TABLE,
);
/** GET /rollouts?cluster=&namespace=&deployment= reads the gsi1 index. */
export const apiTableIndex = allow('TableIndex', ['dynamodb:Query'], tableIndex('gsi1'));
const SCALING_RECORD_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
];
/** Scaling records (recent operations, schedules, policies) and operations with their locks. */
export const scalingRecords = allow('ScalingRecords', SCALING_RECORD_ACTIONS, [TABLE, tableIndex('gsi1')]);
/** The same, for the functions that fire triggers: a trigger that waits for a change checks, in its write's
 * transaction, that the node-group lock is still held (ConditionCheckItem). */
export const scalingRecordsWithWaits = allow(
  'ScalingRecords',
  [...SCALING_RECORD_ACTIONS, 'dynamodb:ConditionCheckItem'],
  [TABLE, tableIndex('gsi1')],
);
/** Provisionings and deletions whose run is gone: the running ones are the holders of the cluster locks (listed
 * from gsi1, where lock items sit while held), their run is asked for, and a new run is started. */
export const findAbandonedClusterOperations = allow(
  'FindAbandonedClusterOperations',
  ['dynamodb:Query'],
  tableIndex('gsi1'),
);
/** The scaling sweep reads every policy once a minute, from the sparse gsi2 (only policies carry its keys). */
export const queryPolicies = allow('QueryPolicies', ['dynamodb:Query'], tableIndex('gsi2'));
/** GET /doctor reads every scaling policy (their alarms must be readable) from the sparse gsi2. */
export const doctorReadsPolicies = allow('DoctorReadsPolicies', ['dynamodb:Query'], tableIndex('gsi2'));

// --- EKS: reads ---

/** Endpoint and CA of a cluster (its Kubernetes API); a re-run step asks whether its operation created it. */
export const describeClusters = allow('DescribeClusters', ['eks:DescribeCluster'], CLUSTERS);
/** The cluster's parts compared with the spec (GET /clusters/{name}, dry runs, steps, failure records). One
 * statement per resource type: each action is granted only on the type it takes (npm run lint:iam). */
export const listClusterParts = allow(
  'ListClusterParts',
  ['eks:ListNodegroups', 'eks:ListAddons', 'eks:ListAccessEntries'],
  CLUSTERS,
);
export const describeNodegroups = allow('DescribeNodegroups', ['eks:DescribeNodegroup'], NODEGROUPS);
/** The scaling functions' node-group read (the same node groups as describeNodegroups). */
export const describeScaledNodegroups = allow('DescribeNodegroups', ['eks:DescribeNodegroup'], NODEGROUPS_OF_CLUSTERS);
export const describeAddons = allow('DescribeAddons', ['eks:DescribeAddon'], ADDONS);
/** Entries are read without a tag condition: "is this principal's entry there yet" is asked before creating it, of
 * an entry that may not exist (no tag to read), and reading grants nothing. */
export const readAccessEntries = allow(
  'ReadAccessEntries',
  ['eks:DescribeAccessEntry', 'eks:ListAssociatedAccessPolicies'],
  ACCESS_ENTRIES,
);
/** The API's scaling routes list a cluster's node groups. */
export const listNodegroups = allow('ListNodegroups', ['eks:ListNodegroups'], CLUSTERS);
/** "latest" add-on versions in a plan: DescribeAddonVersions has no resource-level permission. */
export const apiAddonVersions = allow('ApiAddonVersions', ['eks:DescribeAddonVersions'], '*');
/** "latest" add-on versions: DescribeAddonVersions has no resource-level permission. */
export const addonVersions = allow('AddonVersions', ['eks:DescribeAddonVersions'], '*');
/** GET /health: ListClusters has no resource-level permission (service authorization reference). */
export const healthListClusters = allow('HealthListClusters', ['eks:ListClusters'], '*');
/** DescribeUpdate requires the cluster resource (a node group's update is the cluster's update ARN plus the node
 * group): both, or AWS refuses it (service authorization reference). */
export const describeUpdates = allow('DescribeUpdates', ['eks:DescribeUpdate'], [CLUSTERS, NODEGROUPS_OF_CLUSTERS]);

// --- EKS: clusters and their parts, only eksflow's ---

/** CreateCluster has no resource-level permission; the request tag narrows it to clusters eksflow marks as its own
 * (EksClusterApi always sets it). Tag-on-create is authorized on CreateCluster itself (aws:RequestTag): no
 * eks:TagResource here, so this role cannot mark an existing cluster. */
export const createManagedClusters = allow('CreateManagedClusters', ['eks:CreateCluster'], '*', {
  StringEquals: { 'aws:RequestTag/eksflow:managed': 'true' },
});
/** Converging an existing cluster: logging and endpoint access, on clusters eksflow manages. */
export const updateManagedClusterConfig = allow(
  'UpdateManagedClusterConfig',
  ['eks:UpdateClusterConfig'],
  CLUSTERS,
  MANAGED,
);
/** A spec's kmsKeyArn (secrets encryption): EKS describes the key and grants the cluster its use with the caller's
 * rights, so only through EKS, and a grant only for an AWS resource (both conditions in one statement: statements
 * are OR-ed). */
export const describeClusterSecretsKey = allow('DescribeClusterSecretsKey', ['kms:DescribeKey'], KMS_KEYS, {
  StringEquals: VIA_EKS,
});
export const grantClusterSecretsKey = allow('GrantClusterSecretsKey', ['kms:CreateGrant'], KMS_KEYS, {
  StringEquals: VIA_EKS,
  Bool: { 'kms:GrantIsForAWSResource': 'true' },
});
/** The digest of the baseline it applied, as a tag on the cluster (only clusters eksflow manages). */
export const tagBaselineDigest = allow('TagBaselineDigest', ['eks:TagResource'], CLUSTERS, {
  ...MANAGED,
  'ForAllValues:StringEquals': { 'aws:TagKeys': ['eksflow:baseline'] },
});
export const createManagedNodegroupsAndAddons = allow(
  'CreateManagedNodegroupsAndAddons',
  ['eks:CreateNodegroup', 'eks:CreateAddon'],
  CLUSTERS,
  CREATE_MANAGED_PART,
);
/** Updating only what eksflow manages. */
export const updateManagedNodegroups = allow(
  'UpdateManagedNodegroups',
  ['eks:UpdateNodegroupConfig'],
  NODEGROUPS,
  MANAGED,
);
export const updateManagedAddons = allow('UpdateManagedAddons', ['eks:UpdateAddon'], ADDONS, MANAGED);
/** Node-group sizes (a scale change). */
export const updateNodegroupSizes = allow(
  'UpdateNodegroupSizes',
  ['eks:UpdateNodegroupConfig'],
  NODEGROUPS_OF_CLUSTERS,
);
/** eksflow's own entries and the spec's, in clusters eksflow manages only, each tagged as eksflow's on creation
 * (EksClusterApi): the tag is what lets the calls below, and a rollback, touch it. */
export const createManagedAccessEntries = allow(
  'CreateManagedAccessEntries',
  ['eks:CreateAccessEntry'],
  CLUSTERS,
  CREATE_MANAGED_PART,
);
/** Only the access policies eksflow grants (domain ACCESS_POLICY_ARNS), only on entries it made. */
export const managedAccessPolicies = allow(
  'ManagedAccessPolicies',
  ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
  ACCESS_ENTRIES,
  {
    StringEquals: {
      'aws:ResourceTag/eksflow:managed': 'true',
      'eks:policyArn': [
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy',
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
      ],
    },
  },
);
/** Deletes only what eksflow manages (the tag, on each resource), in EKS's order. */
export const teardownManagedClusters = allow('TeardownManagedClusters', ['eks:DeleteCluster'], CLUSTERS, MANAGED);
export const teardownManagedNodegroups = allow(
  'TeardownManagedNodegroups',
  ['eks:DeleteNodegroup'],
  NODEGROUPS,
  MANAGED,
);
export const teardownManagedAddons = allow('TeardownManagedAddons', ['eks:DeleteAddon'], ADDONS, MANAGED);
export const teardownManagedAccessEntries = allow(
  'TeardownManagedAccessEntries',
  ['eks:DeleteAccessEntry'],
  ACCESS_ENTRIES,
  MANAGED,
);
/** The whole teardown, as provisionRollback and deleteClusterStep both do it. */
export const teardownManaged = [
  teardownManagedClusters,
  teardownManagedNodegroups,
  teardownManagedAddons,
  teardownManagedAccessEntries,
];

// --- IAM: the roles eksflow passes, the service-linked roles EKS needs ---

/** EKS's service-linked role, created by the first CreateCluster of an account (README "Deploy"). */
export const eksServiceLinkedRole = allow(
  'EksServiceLinkedRole',
  ['iam:CreateServiceLinkedRole'],
  iamArn('role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS'),
  { StringEquals: { 'iam:AWSServiceName': 'eks.amazonaws.com' } },
);
/** EKS's node-group service-linked role, created by the first CreateNodegroup of an account. */
export const nodegroupServiceLinkedRole = allow(
  'NodegroupServiceLinkedRole',
  ['iam:CreateServiceLinkedRole'],
  iamArn('role/aws-service-role/eks-nodegroup.amazonaws.com/AWSServiceRoleForAmazonEKSNodegroup'),
  { StringEquals: { 'iam:AWSServiceName': 'eks-nodegroup.amazonaws.com' } },
);
/** Only the configured cluster role, and only to EKS. */
export const passTheClusterRole = allow(
  'PassTheClusterRole',
  ['iam:PassRole'],
  '${self:custom.clusterRoleArn}',
  passedTo('eks.amazonaws.com'),
);
/** A node group's instances run as the node role: EKS needs to be passed it. */
export const passTheNodeRole = allow(
  'PassTheNodeRole',
  ['iam:PassRole'],
  '${self:custom.nodeRoleArn}',
  passedTo('eks.amazonaws.com'),
);
/** Only the scheduler's own role, and only to EventBridge Scheduler. */
export const passTheSchedulerRole = allow(
  'PassTheSchedulerRole',
  ['iam:PassRole'],
  getAtt('SchedulerInvokeRole'),
  passedTo('scheduler.amazonaws.com'),
);

// --- Step Functions: only eksflow's state machines ---

/** POST /clusters starts provisioning; POST /rollouts, promote and abort start a rollout run. */
export const startWorkflows = allow(
  'StartWorkflows',
  ['states:StartExecution'],
  [machine('provision-cluster'), machine('delete-cluster'), machine('rollout')],
);
/** GET /operations/{id} shows the state transitions of the operation's runs (their history), for every kind it shows
 * (get-operation.ts WORKFLOW_OF_KIND: provisioning, deletion, scaling); POST /operations/{id}/retry asks whether the
 * latest run still runs. */
export const operationRunHistory = allow(
  'OperationRunHistory',
  ['states:GetExecutionHistory', 'states:DescribeExecution'],
  [executions('provision-cluster'), executions('delete-cluster'), executions('scale-nodegroup')],
);
export const startRolloutRuns = allow('StartRolloutRuns', ['states:StartExecution'], machine('rollout'));
/** Abort and promote stop the rollout's outdated run. */
export const stopRolloutRuns = allow('StopRolloutRuns', ['states:StopExecution'], executions('rollout'));
/** The sweep restarts a rollout's run that ended early: it asks whether its execution still runs. */
export const stopAndDescribeRolloutRuns = allow(
  'StopAndDescribeRolloutRuns',
  ['states:StopExecution', 'states:DescribeExecution'],
  executions('rollout'),
);
export const describeClusterOperationRuns = allow(
  'DescribeClusterOperationRuns',
  ['states:DescribeExecution'],
  [executions('provision-cluster'), executions('delete-cluster')],
);
export const resumeClusterOperationRuns = allow(
  'ResumeClusterOperationRuns',
  ['states:StartExecution'],
  [machine('provision-cluster'), machine('delete-cluster')],
);
export const startScaleRuns = allow('StartScaleRuns', ['states:StartExecution'], machine('scale-nodegroup'));
/** A change whose run is gone gets a new one: the sweep asks whether its execution still runs. */
export const describeScaleRuns = allow(
  'DescribeScaleRuns',
  ['states:DescribeExecution'],
  executions('scale-nodegroup'),
);

// --- CloudWatch, EventBridge, EventBridge Scheduler, SQS ---

/** Rollouts' guard alarms and scaling policies' alarms may be composite alarms; DescribeAlarms returns composite
 * alarms only when the permission is scoped to * (CloudWatch API reference, DescribeAlarms). */
export const describeAlarms = allow('DescribeAlarms', ['cloudwatch:DescribeAlarms'], '*');
/** Metric analysis steps read their queries' data; GetMetricData takes no resource-level permissions. */
export const readMetricData = allow('ReadMetricData', ['cloudwatch:GetMetricData'], '*');
/**
 * ALB canaries read back the load balancer the AWS Load Balancer Controller made from the Ingress: its rule's
 * weights and its target groups' health. ELBv2's Describe* actions take no resource-level permissions.
 */
export const readLoadBalancers = allow(
  'ReadLoadBalancers',
  [
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeRules',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTags',
  ],
  '*',
);
/** Operation and rollout transitions on the bus (Started, Succeeded, Failed, ...), best effort. */
export const publishEvents = allow(
  'PublishOnTheBus',
  ['events:PutEvents'],
  arn('events', 'event-bus/${self:provider.environment.EKSFLOW_EVENT_BUS}'),
);
/** Only in eksflow's own schedule group (serverless.yml SchedulerGroup), never the account's default. */
export const manageSchedules = allow(
  'ManageSchedules',
  ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
  arn('scheduler', 'schedule/${self:custom.scheduleGroupName}/*'),
);
/** Lambda writes an alarm event it could not handle to the dead-letter queue with this role. */
export const alarmDeadLetterQueue = allow('DeadLetterQueue', ['sqs:SendMessage'], getAtt('AlarmEventsDeadLetterQueue'));
