import { principalArnsOf } from '../../access/domain/policy';
import type { AlarmStates } from '../../alarms/ports/alarms';
import { type ClusterInfo, eksflowGroupGrants, isManaged, type KubeAccess } from '../../clusters/domain/cluster';
import type { ClusterApi } from '../../clusters/ports/cluster-api';
import { settleEach } from '../../kernel/concurrency';
import { errorMessage } from '../../kernel/errors';
import type { RolloutStore } from '../../rollouts/ports/rollout-store';
import type { ScalingStore } from '../../scaling/ports/scaling-store';
import { type CallerIdentity, type EndpointReach, type KubeAccessReview, KubeTokenRefused } from '../ports/doctor';
import { describePermission, rolloutPermissions, scalingPermissions } from './doctor-permissions';

/**
 * `eksflow doctor` (GET /doctor): whether eksflow can act on a cluster from where its functions run, one
 * line per check, each failing line carrying its fix. Deployed, this runs in the API function, so it sees
 * the functions' network (they share the VPC placement) and the API's role.
 *
 * Kubernetes access is per role: each role that calls Kubernetes (rollout tasks, scaling, the baseline step on
 * clusters eksflow made; `kubeAccess`) needs its own access entry, which puts it in eksflow's groups, and RBAC grants
 * the verbs to the groups. So the access-entry check looks for every such role's entry, and the verbs are asked
 * (SelfSubjectAccessReview) as the API role, which holds both groups: what a group may do, each of its members may.
 * The checks do not run as each role (that would need every Kubernetes-calling function to answer a probe, or the
 * API to assume their roles): a role's own token is not tried here.
 */

export const DOCTOR_CHECKS = [
  'describe-cluster',
  'endpoint-reach',
  'token',
  'access-entry',
  'kube-verbs',
  'alarms',
] as const;
export type DoctorCheckName = (typeof DOCTOR_CHECKS)[number];

export interface DoctorLine {
  check: DoctorCheckName;
  /** `skip`: not run because a check it needs failed (that one's line says why). */
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

export interface ClusterDoctorReport {
  cluster: string;
  ok: boolean;
  checks: DoctorLine[];
}

export interface DoctorReport {
  ok: boolean;
  clusters: ClusterDoctorReport[];
}

export interface DoctorDeps {
  clusters: Pick<ClusterApi, 'describeCluster' | 'listClusters' | 'listAccessEntries'>;
  rollouts: Pick<RolloutStore, 'listActive'>;
  scaling: Pick<ScalingStore, 'allPolicies'>;
  alarms: AlarmStates;
  reach: EndpointReach;
  identity: CallerIdentity;
  kubeReview: KubeAccessReview;
  /**
   * True when the functions reach this cluster with a token from configuration (the sandbox's API servers
   * take a static token) rather than an EKS token: then no access entry is needed for the token to work.
   */
  configuredToken: (cluster: string) => boolean;
  /** The roles that call Kubernetes (config.kubeAccess); unset: only the API role's own entry is looked for. */
  kubeAccess?: KubeAccess;
}

/** What eksflow knows of its work on a cluster: the namespaces it rolls out in and the alarms that guard it. */
interface ClusterWork {
  namespaces: string[];
  alarms: string[];
}

/**
 * The clusters eksflow acts on: those it manages (tagged), and any other an active rollout or a scaling
 * policy names. `readable` keeps those the caller may read cluster-wide (the route's access check).
 */
export async function doctorClusters(deps: DoctorDeps, readable: (names: string[]) => string[]): Promise<string[]> {
  const names = await deps.clusters.listClusters();
  const described = await Promise.all(names.map((name) => deps.clusters.describeCluster(name)));
  const managed = described.filter((c): c is ClusterInfo => c !== undefined && isManaged(c)).map((c) => c.name);
  const working = [
    ...(await deps.rollouts.listActive()).map((r) => r.cluster),
    ...(await deps.scaling.allPolicies()).map((p) => p.cluster),
  ];
  return readable([...new Set([...managed, ...working])].sort());
}

/**
 * Clusters checked at once. Why: an unreachable endpoint costs a whole connect timeout, and the report must
 * come back inside API Gateway's 29 s; a few at a time keeps the EKS Describe* calls well within their quota.
 */
export const DOCTOR_CLUSTER_CONCURRENCY = 4;

/** Runs every check on each cluster, a few clusters at a time; the store is read once for all of them. */
export async function runDoctor(deps: DoctorDeps, clusters: string[]): Promise<DoctorReport> {
  const work = await workByCluster(deps);
  const role = await functionRole(deps);
  const settled = await settleEach(clusters, DOCTOR_CLUSTER_CONCURRENCY, (cluster) =>
    doctorCluster(deps, cluster, work(cluster), role),
  );
  // Each check catches its own failures, so a rejection here is a bug: let it reach the error mapper.
  const reports = settled.map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
  return { ok: reports.every((r) => r.ok), clusters: reports };
}

async function doctorCluster(
  deps: DoctorDeps,
  cluster: string,
  work: ClusterWork,
  role: FunctionRole,
): Promise<ClusterDoctorReport> {
  const lines: DoctorLine[] = [];
  const done = () => ({ cluster, ok: lines.every((l) => l.status === 'pass'), checks: lines });
  const skipRest = (after: DoctorCheckName, from: DoctorCheckName[]) =>
    lines.push(...from.map((check) => skipped(check, after)));

  const described = await describeCheck(deps, cluster);
  lines.push(described.line);
  if (!described.info) {
    skipRest('describe-cluster', ['endpoint-reach', 'token', 'access-entry', 'kube-verbs', 'alarms']);
    return done();
  }
  const reached = await reachCheck(deps, described.info);
  lines.push(reached, await accessEntryCheck(deps, described.info, role));
  if (reached.status === 'pass') lines.push(...(await kubeChecks(deps, cluster, work, role)));
  else skipRest('endpoint-reach', ['token', 'kube-verbs']);
  lines.push(await alarmsCheck(deps, work));
  // Printed in the order of DOCTOR_CHECKS, whatever order they ran in.
  lines.sort((a, b) => DOCTOR_CHECKS.indexOf(a.check) - DOCTOR_CHECKS.indexOf(b.check));
  return done();
}

const pass = (check: DoctorCheckName, detail: string): DoctorLine => ({ check, status: 'pass', detail });
const fail = (check: DoctorCheckName, detail: string, fix: string): DoctorLine => ({
  check,
  status: 'fail',
  detail,
  fix,
});
const skipped = (check: DoctorCheckName, after: DoctorCheckName): DoctorLine => ({
  check,
  status: 'skip',
  detail: `not checked: ${after} failed`,
});

async function describeCheck(deps: DoctorDeps, cluster: string): Promise<{ line: DoctorLine; info?: ClusterInfo }> {
  try {
    const info = await deps.clusters.describeCluster(cluster);
    if (!info)
      return {
        line: fail(
          'describe-cluster',
          `no EKS cluster named ${cluster}`,
          'check the name and the region eksflow runs in',
        ),
      };
    if (info.status !== 'ACTIVE')
      return {
        line: fail('describe-cluster', `cluster ${cluster} is ${info.status}`, 'wait until the cluster is ACTIVE'),
        info,
      };
    return { line: pass('describe-cluster', `${cluster} is ACTIVE (Kubernetes ${info.version ?? 'unknown'})`), info };
  } catch (error) {
    return {
      line: fail(
        'describe-cluster',
        `DescribeCluster failed: ${errorMessage(error)}`,
        `allow eks:DescribeCluster on the cluster ${cluster} to the functions' roles`,
      ),
    };
  }
}

async function reachCheck(deps: DoctorDeps, info: ClusterInfo): Promise<DoctorLine> {
  if (!info.endpoint)
    return fail(
      'endpoint-reach',
      `cluster ${info.name} has no API endpoint (${info.status})`,
      'wait until it is ACTIVE',
    );
  try {
    await deps.reach.reach(info.name, info.endpoint, info.caData);
    return pass('endpoint-reach', `${info.endpoint} answers a TLS handshake from the functions' network`);
  } catch (error) {
    const fix =
      info.endpointPublicAccess === false
        ? `the endpoint is private: place the functions in the cluster's VPC (deploy parameters for subnets and ` +
          `security groups) and allow 443 from their security group in the cluster's security group`
        : `allow the functions' egress addresses in the cluster's publicAccessCidrs, or place the functions in its VPC`;
    return fail('endpoint-reach', `cannot reach ${info.endpoint}: ${errorMessage(error)}`, fix);
  }
}

/** The functions' role ARN as an access entry names it (an assumed-role session maps to its role). */
type FunctionRole = { arn?: string; error?: string };

async function functionRole(deps: DoctorDeps): Promise<FunctionRole> {
  try {
    const arns = principalArnsOf(await deps.identity.callerArn());
    return { arn: arns[arns.length - 1] };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/**
 * The access entry of each role that calls Kubernetes here, with the groups it needs: the rollout and scaling roles
 * everywhere, the baseline role (cluster admin) on clusters eksflow made; the API role (doctor's caller) in any case.
 */
function kubeRoles(deps: DoctorDeps, info: ClusterInfo, own?: string): { principalArn: string; needs: string[] }[] {
  const roles = new Map<string, string[]>();
  const add = (arn: string, needs: string[]) => roles.set(arn, [...new Set([...(roles.get(arn) ?? []), ...needs])]);
  if (own) add(own, []);
  if (deps.kubeAccess) {
    for (const grant of eksflowGroupGrants(deps.kubeAccess)) add(grant.principalArn, grant.kubernetesGroups);
    if (isManaged(info)) add(deps.kubeAccess.baselinePrincipalArn, ['cluster admin']);
  } else if (own) add(own, [EKSFLOW_GROUPS]);
  return [...roles].map(([principalArn, needs]) => ({ principalArn, needs }));
}

const EKSFLOW_GROUPS = 'eksflow eksflow-scaling';

/** The command that makes a role's entry, with the groups (or the admin policy) it needs. */
function createEntryCommand(cluster: string, role: { principalArn: string; needs: string[] }): string {
  const groups = role.needs.filter((n) => n !== 'cluster admin');
  const base = `aws eks create-access-entry --cluster-name ${cluster} --principal-arn ${role.principalArn}`;
  const admin = role.needs.includes('cluster admin')
    ? ` && aws eks associate-access-policy --cluster-name ${cluster} --principal-arn ${role.principalArn} ` +
      '--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy --access-scope type=cluster'
    : '';
  return `${base}${groups.length ? ` --kubernetes-groups ${groups.join(' ')}` : ''}${admin}`;
}

async function accessEntryCheck(deps: DoctorDeps, info: ClusterInfo, role: FunctionRole) {
  const cluster = info.name;
  if (!role.arn)
    return fail('access-entry', `STS GetCallerIdentity failed: ${role.error}`, 'check the functions have credentials');
  try {
    const roles = kubeRoles(deps, info, role.arn);
    const entries = new Set(await deps.clusters.listAccessEntries(cluster));
    const missing = roles.filter((r) => !entries.has(r.principalArn));
    const [first, ...others] = missing;
    if (!first) return pass('access-entry', `all ${roles.length} roles that call Kubernetes have an access entry`);
    if (deps.configuredToken(cluster))
      return pass(
        'access-entry',
        `none for ${missing.length} roles; not needed: the functions use a configured token here`,
      );
    return fail(
      'access-entry',
      `no access entry for ${first.principalArn} on ${cluster}` +
        (others.length ? `; nor for ${others.map((r) => r.principalArn).join(', ')}` : ''),
      `${missing.map((r) => createEntryCommand(cluster, r)).join('; ')} (README, "Kubernetes access")`,
    );
  } catch (error) {
    return fail(
      'access-entry',
      `ListAccessEntries failed: ${errorMessage(error)}`,
      `allow eks:ListAccessEntries on ${cluster} to the API function's role`,
    );
  }
}

/** Token and verbs from one round of SelfSubjectAccessReviews: a 401 on it is the token refused. */
async function kubeChecks(
  deps: DoctorDeps,
  cluster: string,
  work: ClusterWork,
  role: FunctionRole,
): Promise<DoctorLine[]> {
  const permissions = [...scalingPermissions(), ...work.namespaces.flatMap((ns) => rolloutPermissions(ns))];
  let answers: { allowed: boolean; reason?: string }[];
  try {
    answers = await deps.kubeReview.review(cluster, permissions);
  } catch (error) {
    const refused = error instanceof KubeTokenRefused;
    const fix = refused
      ? deps.configuredToken(cluster)
        ? 'the configured token is wrong: check EKSFLOW_KUBE_OVERRIDES'
        : `create an access entry for ${role.arn ?? "the functions' role"} on ${cluster} (see the access-entry line)`
      : 'see the endpoint-reach line; the API server did not answer a SelfSubjectAccessReview';
    return [
      fail('token', `the API server ${refused ? 'refused the token (401)' : `failed: ${errorMessage(error)}`}`, fix),
      skipped('kube-verbs', 'token'),
    ];
  }
  const denied = permissions.filter((_, i) => !answers[i]?.allowed);
  const namespaces = work.namespaces.length
    ? ` (rollouts' in ${work.namespaces.join(', ')})`
    : " (rollouts' are checked in the namespaces of active rollouts: none now)";
  return [
    pass('token', `the API server accepted the ${deps.configuredToken(cluster) ? 'configured' : 'EKS'} token`),
    denied.length
      ? fail(
          'kube-verbs',
          `denied: ${denied.map(describePermission).join(', ')}`,
          `apply deploy/rbac/eksflow-rbac.yaml (a RoleBinding per rollout namespace) and give the access entry ` +
            'the groups eksflow and eksflow-scaling',
        )
      : pass(
          'kube-verbs',
          `all ${permissions.length} verbs eksflow calls are allowed${namespaces}, asked as ${role.arn ?? 'the API role'} ` +
            "(in both of eksflow's groups, which the other roles' entries name)",
        ),
  ];
}

async function alarmsCheck(deps: DoctorDeps, work: ClusterWork): Promise<DoctorLine> {
  if (!work.alarms.length) return pass('alarms', 'no alarm guards a rollout or a scaling policy here');
  try {
    const states = await deps.alarms.states(work.alarms);
    const missing = work.alarms.filter((name) => !(name in states));
    if (missing.length)
      return fail(
        'alarms',
        `CloudWatch has no alarm named ${missing.join(', ')}`,
        'create the alarm, or abort the rollout / delete the policy that names it',
      );
    return pass('alarms', `${work.alarms.length} guarding alarms readable`);
  } catch (error) {
    return fail(
      'alarms',
      `DescribeAlarms failed: ${errorMessage(error)}`,
      "allow cloudwatch:DescribeAlarms to the functions' roles",
    );
  }
}

/** Per cluster: the namespaces of its active rollouts, and the alarms guarding them or bound to its scaling policies. */
async function workByCluster(deps: DoctorDeps): Promise<(cluster: string) => ClusterWork> {
  const active = await deps.rollouts.listActive();
  const policies = await deps.scaling.allPolicies();
  return (cluster) => {
    const rollouts = active.filter((r) => r.cluster === cluster);
    const bound = policies.filter((p) => p.cluster === cluster);
    return {
      namespaces: [...new Set(rollouts.map((r) => r.namespace))].sort(),
      alarms: [...new Set([...rollouts.flatMap((r) => r.alarms), ...bound.map((p) => p.alarm)])].sort(),
    };
  };
}
