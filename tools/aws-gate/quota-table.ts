import type { Quota } from './quotas';

/**
 * The default rate quotas of the AWS calls eksflow makes, by IAM action, as token buckets: `rate` tokens a
 * second, at most `burst` in the bucket, one token per call. Each entry names where AWS documents it; where
 * AWS documents none, `source` says so and why we chose the number. Per account and Region (us-east-1, the
 * sandbox's Region): AWS counts every caller of the account together, so the sandbox does too.
 *
 * Where AWS documents only "N transactions per second" (CloudWatch, EventBridge, Scheduler), the bucket holds
 * one second's worth (burst = rate): N calls within any one second pass, the next is throttled.
 * DynamoDB is absent on purpose: on-demand tables are limited by throughput per table and partition, not by a
 * request rate per API action.
 */

const CLOUDWATCH = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html';
const SFN_API = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const EVENTBRIDGE = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html';
const SCHEDULER = 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html';
const EC2_THROTTLING = 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html';

/** CloudWatch documents TPS per Region; a bucket of one second's worth. */
function perSecond(tps: number, source: string): Quota {
  return { rate: tps, burst: tps, source };
}

/**
 * EKS publishes no request rate for its API (its service-quotas page lists resource counts only, and the Service
 * Quotas console has no rate entries for it). Rather than let EKS calls through unlimited, the sandbox applies
 * EC2's documented defaults for the same class of action, the closest published AWS control-plane API buckets.
 */
const EKS_UNDOCUMENTED =
  'AWS documents no EKS API request rate (https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html lists resource counts only); stand-in: ';
const eksRead: Quota = {
  rate: 20,
  burst: 100,
  source: `${EKS_UNDOCUMENTED}EC2's non-mutating actions bucket (100, refill 20/s), ${EC2_THROTTLING}#throttling-limits-rate-based`,
};
const eksWrite: Quota = {
  rate: 5,
  burst: 50,
  source: `${EKS_UNDOCUMENTED}EC2's mutating actions bucket (50, refill 5/s), ${EC2_THROTTLING}#throttling-limits-rate-based`,
};

/** Step Functions' "Quotas related to API action throttling" and "Other quotas" tables, us-east-1 column (Standard). */
function sfn(bucket: number, refill: number, section: string): Quota {
  return {
    rate: refill,
    burst: bucket,
    source: `${SFN_API} (${section}, US East (N. Virginia): bucket ${bucket}, refill ${refill}/s)`,
  };
}

/** Scheduler documents one request rate per operation (us-east-1); a bucket of one second's worth. */
function scheduler(operation: string, tps: number): Quota {
  return perSecond(tps, `${SCHEDULER} (${operation} request rate, us-east-1: ${tps} per second)`);
}

export const DEFAULT_QUOTAS: Record<string, Quota> = {
  // CloudWatch: the alarm path's reads. DescribeAlarms is the tight one (9 TPS for the whole account and Region).
  'cloudwatch:DescribeAlarms': perSecond(9, `${CLOUDWATCH} (DescribeAlarms: 9 transactions per second per Region)`),
  'cloudwatch:GetMetricData': perSecond(
    50,
    `${CLOUDWATCH} (GetMetricData: 50 TPS per Region without Metrics Insights queries, which eksflow does not send)`,
  ),
  'cloudwatch:PutMetricAlarm': perSecond(3, `${CLOUDWATCH} (PutMetricAlarm request: 3 TPS per Region)`),
  'cloudwatch:SetAlarmState': perSecond(3, `${CLOUDWATCH} (SetAlarmState request: 3 TPS per Region)`),
  'cloudwatch:PutMetricData': perSecond(500, `${CLOUDWATCH} (PutMetricData request: 500 TPS)`),

  // EKS: every call eksflow makes (clusters, node groups, add-ons, access entries, updates).
  'eks:DescribeCluster': eksRead,
  'eks:ListClusters': eksRead,
  'eks:DescribeNodegroup': eksRead,
  'eks:ListNodegroups': eksRead,
  'eks:DescribeAddon': eksRead,
  'eks:DescribeAddonVersions': eksRead,
  'eks:ListAddons': eksRead,
  'eks:DescribeAccessEntry': eksRead,
  'eks:ListAccessEntries': eksRead,
  'eks:ListAssociatedAccessPolicies': eksRead,
  'eks:DescribeUpdate': eksRead,
  'eks:CreateCluster': eksWrite,
  'eks:DeleteCluster': eksWrite,
  'eks:UpdateClusterConfig': eksWrite,
  'eks:CreateNodegroup': eksWrite,
  'eks:DeleteNodegroup': eksWrite,
  'eks:UpdateNodegroupConfig': eksWrite,
  'eks:CreateAddon': eksWrite,
  'eks:DeleteAddon': eksWrite,
  'eks:UpdateAddon': eksWrite,
  'eks:CreateAccessEntry': eksWrite,
  'eks:DeleteAccessEntry': eksWrite,
  'eks:AssociateAccessPolicy': eksWrite,
  'eks:DisassociateAccessPolicy': eksWrite,
  'eks:TagResource': eksWrite,

  // Step Functions.
  'states:StartExecution': sfn(1300, 300, 'Quotas related to API action throttling, StartExecution'),
  'states:DescribeExecution': sfn(300, 15, 'Other quotas, DescribeExecution'),
  'states:GetExecutionHistory': sfn(400, 20, 'Other quotas, GetExecutionHistory'),
  'states:StopExecution': sfn(1000, 200, 'Other quotas, StopExecution'),
  'states:ListExecutions': sfn(200, 5, 'Other quotas, ListExecutions'),

  // EventBridge: every transition is published on the bus.
  'events:PutEvents': perSecond(
    10_000,
    `${EVENTBRIDGE} (PutEvents throttle limit in transactions per second, us-east-1: 10,000 per second)`,
  ),

  // EventBridge Scheduler: the scaling schedules. The English page has shown both 1,000 and 5,000 for us-east-1
  // over time; the lower figure, so that the sandbox never lets through what an older account would throttle.
  'scheduler:CreateSchedule': scheduler('CreateSchedule', 1000),
  'scheduler:DeleteSchedule': scheduler('DeleteSchedule', 1000),
};
