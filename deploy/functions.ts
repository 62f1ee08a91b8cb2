/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless variables (${sls:stage}), which osls resolves */
/**
 * The functions, each with the AWS and Kubernetes calls it makes: the one place a function is declared. serverless.yml
 * takes the function list (handler, role, concurrency, VPC, environment) and every function's IAM role from here
 * (`${file(deploy/function-table.cjs):functions}` / `:roles`); it keeps only what is not about calls (events,
 * timeouts, descriptions). The local runtime reads the same list (local/serverless-manifest.ts).
 * Adding a workflow task: its state in the ASL, one entry here, and its function under functions/tasks/.
 * In serverless.yml's function order: the principal lists below are written in this order.
 */
import {
  addonVersions,
  alarmDeadLetterQueue,
  apiAddonVersions,
  apiTable,
  apiTableIndex,
  createManagedAccessEntries,
  createManagedClusters,
  createManagedNodegroupsAndAddons,
  describeAddons,
  describeAlarms,
  describeClusterOperationRuns,
  describeClusterSecretsKey,
  describeClusters,
  describeNodegroups,
  describeScaledNodegroups,
  describeScaleRuns,
  describeUpdates,
  doctorReadsPolicies,
  eksServiceLinkedRole,
  findAbandonedClusterOperations,
  type Grant,
  grantClusterSecretsKey,
  healthListClusters,
  listClusterParts,
  listNodegroups,
  managedAccessPolicies,
  manageSchedules,
  nodegroupServiceLinkedRole,
  operationRecords,
  operationRunHistory,
  ownLogGroup,
  passTheClusterRole,
  passTheNodeRole,
  passTheSchedulerRole,
  publishEvents,
  queryPolicies,
  readAccessEntries,
  readLoadBalancers,
  readMetricData,
  resumeClusterOperationRuns,
  rolloutRecord,
  rolloutRecords,
  scalingRecords,
  scalingRecordsWithWaits,
  startRolloutRuns,
  startScaleRuns,
  startWorkflows,
  stopAndDescribeRolloutRuns,
  stopRolloutRuns,
  tagBaselineDigest,
  teardownManaged,
  updateManagedAddons,
  updateManagedClusterConfig,
  updateManagedNodegroups,
  updateNodegroupSizes,
} from './iam/grants';

export type Workflow = 'provision-cluster' | 'delete-cluster' | 'rollout' | 'scale-nodegroup';

/**
 * As whom a function calls a cluster's Kubernetes API. eksflow's roles get Kubernetes access in the clusters it
 * creates by access entries (the baseline step), not by being the cluster's creator:
 * - `admin`: the baseline role, cluster admin (EKSFLOW_BASELINE_PRINCIPAL_ARN; exactly one function);
 * - `rollout`: the `eksflow` group, bound by RBAC in the spec's namespaces only (EKSFLOW_ROLLOUT_PRINCIPAL_ARNS);
 * - `scaling`: the `eksflow-scaling` group, which reads pods and nodes cluster-wide to scale (fit-pending-pods, pods
 *   rescheduled by a scale-in), bound read-only (EKSFLOW_SCALING_PRINCIPAL_ARNS).
 */
export type KubeIdentity = 'admin' | 'rollout' | 'scaling';

export interface FunctionSpec {
  /** `functions/tasks/rollout/reconcile.main`: file and export, as serverless and the local runtime load it. */
  handler: string;
  /** A task of that workflow's ASL (workflows/<workflow>.asl.json names the function in a Task state). */
  workflow?: Workflow;
  /** Reserved concurrency (serverless.yml custom.<x>Concurrency): the alarm path and the tasks keep capacity. */
  concurrency?: 'task' | 'rolloutTask' | 'alarm';
  /** In the VPC (custom.functionVpc), which every function that calls a Kubernetes API needs; its role gets the
   * network-interface rights (FunctionsVpcAccessPolicy). */
  vpc?: true;
  /** Its Kubernetes calls, as which identity (each joins that identity's principal list). */
  kube?: KubeIdentity[];
  /** Makes or checks the access entries of the identities above: gets their principal ARNs in its environment. */
  kubePrincipals?: true;
  /** Its AWS calls: its role's statements, in order, after its own log group's. */
  aws: Grant[];
}

/**
 * Completing and failing a scale run both end in `publishEnd` and `resumeWaiting` (core/scaling/steps/scale-steps:
 * the waiting triggers restart against the group, its cluster and its alarms), which is what these grants serve; so
 * the two share everything but their handler.
 */
const endsAScaleRun: Omit<FunctionSpec, 'handler'> = {
  workflow: 'scale-nodegroup',
  concurrency: 'task',
  vpc: true,
  kube: ['scaling'],
  aws: [
    scalingRecordsWithWaits,
    describeScaledNodegroups,
    describeClusters,
    describeAlarms,
    startScaleRuns,
    publishEvents,
  ],
};

/**
 * What a rollout pass reads beside its record, wherever it runs (the workflow's reconcile, an alarm's abort, the
 * sweep): the cluster's endpoint, the guarding alarms, and an ALB canary's load balancer.
 */
const rolloutPassReads = [describeClusters, describeAlarms, readLoadBalancers];

/** Every function of the stack, by serverless.yml's name (its role is `<Name>Role`, its log group its own). */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  api: {
    handler: 'functions/api/handler.main',
    vpc: true,
    kube: ['rollout', 'scaling'],
    kubePrincipals: true,
    aws: [
      apiTable,
      apiTableIndex,
      describeClusters,
      listClusterParts,
      describeNodegroups,
      describeAddons,
      readAccessEntries,
      apiAddonVersions,
      healthListClusters,
      startWorkflows,
      operationRunHistory,
      stopRolloutRuns,
      describeAlarms,
      readLoadBalancers,
      publishEvents,
      // The scaling routes: node groups, schedules (EventBridge Scheduler), policies, scale runs.
      scalingRecordsWithWaits,
      doctorReadsPolicies,
      startScaleRuns,
      listNodegroups,
      manageSchedules,
      passTheSchedulerRole,
    ],
  },
  alarmStateChange: {
    handler: 'functions/events/alarm-state-change.main',
    concurrency: 'alarm',
    vpc: true,
    kube: ['rollout', 'scaling'],
    aws: [
      rolloutRecords,
      ...rolloutPassReads,
      startRolloutRuns,
      stopRolloutRuns,
      publishEvents,
      alarmDeadLetterQueue,
      // It fires the scaling policies bound to the alarm.
      scalingRecordsWithWaits,
      describeScaledNodegroups,
      startScaleRuns,
    ],
  },
  scheduledSweep: {
    handler: 'functions/events/scheduled-sweep.main',
    vpc: true,
    kube: ['rollout'],
    aws: [
      rolloutRecords,
      ...rolloutPassReads,
      startRolloutRuns,
      stopAndDescribeRolloutRuns,
      publishEvents,
      findAbandonedClusterOperations,
      describeClusterOperationRuns,
      resumeClusterOperationRuns,
    ],
  },
  provisionRequestControlPlane: {
    handler: 'functions/tasks/provision-cluster/request-control-plane.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    kubePrincipals: true,
    aws: [
      operationRecords,
      createManagedClusters,
      describeClusters,
      updateManagedClusterConfig,
      describeClusterSecretsKey,
      grantClusterSecretsKey,
      eksServiceLinkedRole,
      passTheClusterRole,
    ],
  },
  provisionCheckControlPlane: {
    handler: 'functions/tasks/provision-cluster/check-control-plane.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    aws: [operationRecords, describeClusters],
  },
  provisionApplyBaseline: {
    handler: 'functions/tasks/provision-cluster/apply-baseline.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    vpc: true,
    kube: ['admin'],
    kubePrincipals: true,
    aws: [operationRecords, describeClusters, tagBaselineDigest],
  },
  provisionEnsureComponent: {
    handler: 'functions/tasks/provision-cluster/ensure-component.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    aws: [
      operationRecords,
      describeClusters,
      listClusterParts,
      describeNodegroups,
      describeAddons,
      createManagedNodegroupsAndAddons,
      updateManagedNodegroups,
      updateManagedAddons,
      addonVersions,
      nodegroupServiceLinkedRole,
      passTheNodeRole,
    ],
  },
  provisionCheckComponent: {
    handler: 'functions/tasks/provision-cluster/check-component.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    aws: [operationRecords, describeNodegroups, describeAddons],
  },
  provisionApplyAccess: {
    handler: 'functions/tasks/provision-cluster/apply-access.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    kubePrincipals: true,
    aws: [operationRecords, describeClusters, createManagedAccessEntries, readAccessEntries, managedAccessPolicies],
  },
  provisionComplete: {
    handler: 'functions/tasks/provision-cluster/complete.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    aws: [operationRecords, publishEvents],
  },
  provisionFail: {
    handler: 'functions/tasks/provision-cluster/fail.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    // Records what exists when a step fails: the cluster's parts as EKS shows them, each compared with the spec.
    aws: [operationRecords, describeClusters, listClusterParts, describeNodegroups, describeAddons, readAccessEntries],
  },
  provisionRollback: {
    handler: 'functions/tasks/provision-cluster/roll-back.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    vpc: true,
    aws: [operationRecords, describeClusters, listClusterParts, describeNodegroups, describeAddons, ...teardownManaged],
  },
  provisionFinishFailed: {
    handler: 'functions/tasks/provision-cluster/finish-failed.main',
    workflow: 'provision-cluster',
    concurrency: 'task',
    aws: [operationRecords, publishEvents],
  },
  deleteClusterStep: {
    handler: 'functions/tasks/delete-cluster/teardown.main',
    workflow: 'delete-cluster',
    concurrency: 'task',
    vpc: true,
    aws: [
      operationRecords,
      publishEvents,
      describeClusters,
      listClusterParts,
      describeNodegroups,
      describeAddons,
      ...teardownManaged,
    ],
  },
  deleteClusterFail: {
    handler: 'functions/tasks/delete-cluster/fail.main',
    workflow: 'delete-cluster',
    concurrency: 'task',
    aws: [operationRecords, publishEvents],
  },
  rolloutReconcile: {
    handler: 'functions/tasks/rollout/reconcile.main',
    workflow: 'rollout',
    concurrency: 'rolloutTask',
    vpc: true,
    kube: ['rollout'],
    // Analysis steps run in its passes only: it alone measures metrics.
    aws: [rolloutRecord, ...rolloutPassReads, readMetricData, startRolloutRuns, publishEvents],
  },
  rolloutFail: {
    handler: 'functions/tasks/rollout/fail.main',
    workflow: 'rollout',
    concurrency: 'task',
    vpc: true,
    kube: ['rollout'],
    aws: [rolloutRecord, describeClusters, readLoadBalancers, startRolloutRuns, publishEvents],
  },
  scaleApply: {
    handler: 'functions/tasks/scale-nodegroup/apply.main',
    workflow: 'scale-nodegroup',
    concurrency: 'task',
    vpc: true,
    kube: ['scaling'],
    aws: [scalingRecords, describeScaledNodegroups, updateNodegroupSizes, describeClusters, publishEvents],
  },
  scaleCheck: {
    handler: 'functions/tasks/scale-nodegroup/check.main',
    workflow: 'scale-nodegroup',
    concurrency: 'task',
    aws: [scalingRecords, describeScaledNodegroups, describeUpdates],
  },
  scaleComplete: { handler: 'functions/tasks/scale-nodegroup/complete.main', ...endsAScaleRun },
  scaleFail: { handler: 'functions/tasks/scale-nodegroup/fail.main', ...endsAScaleRun },
  // The function each EventBridge Scheduler schedule invokes.
  scheduledScale: {
    handler: 'functions/events/scheduled-scale.main',
    vpc: true,
    kube: ['scaling'],
    aws: [scalingRecordsWithWaits, describeScaledNodegroups, describeClusters, describeAlarms, startScaleRuns],
  },
  // Re-fires policies whose alarm stays in state, and resumes scale changes whose run is gone.
  scalingSweep: {
    handler: 'functions/events/scaling-sweep.main',
    vpc: true,
    kube: ['scaling'],
    aws: [
      scalingRecordsWithWaits,
      queryPolicies,
      describeScaledNodegroups,
      describeClusters,
      describeAlarms,
      startScaleRuns,
      describeScaleRuns,
    ],
  },
};

/** serverless's logical id of a function's role: `scaleApply` → `ScaleApplyRole`. */
export const roleId = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}Role`;

/** serverless.yml `functions:` entries: what the table decides; serverless.yml adds events, timeouts, descriptions. */
export function serverlessFunctions(table = FUNCTIONS): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(table).map(([name, fn]) => [
      name,
      {
        handler: fn.handler,
        role: roleId(name),
        ...(fn.concurrency ? { reservedConcurrency: `\${self:custom.${fn.concurrency}Concurrency}` } : {}),
        ...(fn.vpc ? { vpc: '${self:custom.functionVpc}' } : {}),
        ...(fn.kubePrincipals ? { environment: kubePrincipalsEnvironment(table) } : {}),
      },
    ]),
  );
}

/**
 * One role per function, with only what it calls (issue 8, item 4). Named eksflow-<stage>-<region>-<function> so
 * that access entries and RBAC can name them (IAM names are global: the region keeps two regions' stacks apart).
 * IAM allows 64 characters: the longest function name and region take 52, so keep stage names to 12 or fewer.
 */
export function roleResources(table = FUNCTIONS): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table).map(([name, fn]) => [
      roleId(name),
      {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: `eksflow-\${sls:stage}-\${self:provider.region}-${name}`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          // In the VPC: its network interfaces (deploy/iam/stack-roles.yml).
          ...(fn.vpc ? { ManagedPolicyArns: [{ Ref: 'FunctionsVpcAccessPolicy' }] } : {}),
          Policies: [
            {
              PolicyName: name,
              PolicyDocument: { Version: '2012-10-17', Statement: [ownLogGroup(name), ...fn.aws] },
            },
          ],
        },
      },
    ]),
  );
}

/** The roles given Kubernetes access, by identity (see KubeIdentity), in table order. */
function kubePrincipalsEnvironment(table: Record<string, FunctionSpec>): Record<string, unknown> {
  const roleArns = (identity: KubeIdentity) =>
    Object.entries(table)
      .filter(([, fn]) => fn.kube?.includes(identity))
      .map(([name]) => ({ 'Fn::GetAtt': [roleId(name), 'Arn'] }));
  const [baseline, ...others] = roleArns('admin');
  if (!baseline || others.length > 0) throw new Error('exactly one function calls Kubernetes as admin (the baseline)');
  return {
    EKSFLOW_BASELINE_PRINCIPAL_ARN: baseline,
    EKSFLOW_ROLLOUT_PRINCIPAL_ARNS: { 'Fn::Join': [',', roleArns('rollout')] },
    EKSFLOW_SCALING_PRINCIPAL_ARNS: { 'Fn::Join': [',', roleArns('scaling')] },
  };
}
