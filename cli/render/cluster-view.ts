import { renderTable } from './format';

/**
 * Table views of the cluster and scaling answers (docs/openapi.json), as pure functions of the JSON the API
 * returns. Loose types on purpose: the CLI is a client of the HTTP API only and shows what it gets.
 */
type Json = Record<string, any>;

/** `POST /clusters?dryRun=true` and `DELETE /clusters/{name}?dryRun=true`: `{plan: [{resource, name, action, changes?}]}`. */
export function renderPlan(plan: Json[] = []): string {
  if (plan.length === 0) return 'nothing to do';
  return renderTable(
    ['action', 'resource', 'name', 'changes'],
    plan.map((p) => [p.action, p.resource, p.name, (p.changes ?? []).join(', ')]),
  );
}

/** An operation summary as one cell: `ProvisionCluster Succeeded`. */
const operationCell = (op: Json | undefined) => (op ? `${op.kind} ${op.status}` : '');

/** `GET /clusters`: `{clusters: [{name, status, version, managed, lastOperation}]}` (no node groups: see `get`). */
export function renderClusterList(clusters: Json[] = []): string {
  return renderTable(
    ['name', 'status', 'version', 'managed', 'last operation'],
    clusters.map((c) => [c.name, c.status, c.version, c.managed ? 'yes' : 'no', operationCell(c.lastOperation)]),
  );
}

export const NODEGROUP_COLUMNS = ['nodegroup', 'status', 'min', 'desired', 'max', 'instance types'];
export const nodegroupRows = (nodegroups: Json[] = []) =>
  nodegroups.map((n) => [n.name, n.status, n.minSize, n.desiredSize, n.maxSize, n.instanceTypes?.join(',')]);

/** `GET /clusters/{name}`: control plane, then node groups, add-ons, access entries, baseline, recent operations. */
export function renderCluster(c: Json): string {
  const cp = c.controlPlane ?? {};
  const sections = [
    [
      `Cluster ${c.name}  ${cp.status ?? ''}  Kubernetes ${cp.version ?? '?'}${c.managed ? '  (managed by eksflow)' : ''}`,
      `endpoint ${cp.endpoint ?? '-'}`,
    ].join('\n'),
    renderTable(NODEGROUP_COLUMNS, nodegroupRows(c.nodegroups)),
  ];
  if (c.addons?.length)
    sections.push(
      renderTable(
        ['addon', 'status', 'version'],
        c.addons.map((a: Json) => [a.name, a.status, a.version]),
      ),
    );
  if (c.access?.length)
    sections.push(
      renderTable(
        ['access principal', 'policy', 'namespaces'],
        c.access.map((a: Json) => [a.principalArn, a.policy, (a.namespaces ?? []).join(',')]),
      ),
    );
  if (c.baseline?.namespaces?.length) sections.push(`baseline namespaces: ${c.baseline.namespaces.join(', ')}`);
  if (c.operations?.length) sections.push(renderOperationSummaries(c.operations));
  return sections.join('\n\n');
}

/** Operation summaries (a cluster's, a node group's recent ones): id, kind, status, when, error. */
function renderOperationSummaries(ops: Json[]): string {
  return renderTable(
    ['operation', 'kind', 'status', 'created', 'error'],
    ops.map((o) => [o.id, o.kind, o.status, o.createdAt, o.error ? `${o.error.code}: ${o.error.message}` : '']),
  );
}

const sizes = (s: Json | undefined) => (s ? `${s.minSize}/${s.desiredSize}/${s.maxSize}` : '');

/** `GET …/nodegroups/{ng}`: the node group, then its recent changes (min/desired/max from → to). */
export function renderNodegroup(n: Json): string {
  const table = renderTable(NODEGROUP_COLUMNS, nodegroupRows([n]));
  const active = n.activeOperationId ? `\n\nchanging now: operation ${n.activeOperationId}` : '';
  const recent: Json[] = n.recentOperations ?? [];
  if (recent.length === 0) return table + active;
  const changes = renderTable(
    ['operation', 'status', 'by', 'from (min/desired/max)', 'to', 'created'],
    recent.map((o) => [o.id, o.status, o.requestedBy, sizes(o.from), sizes(o.to), o.createdAt]),
  );
  return `${table}${active}\n\n${changes}`;
}

/** `POST …/scale` → `202 {operationId, from, to}`. */
export const scaleStartedLine = (a: Json) =>
  `operation ${a.operationId} started: min/desired/max ${sizes(a.from)} → ${sizes(a.to)}`;

/** `GET …/schedules`: `{schedules: [...]}`. */
export function renderSchedules(schedules: Json[] = []): string {
  return renderTable(
    ['name', 'schedule', 'timezone', 'desired', 'min', 'max', 'last fired'],
    schedules.map((s) => [s.name, s.schedule, s.timezone, s.desiredSize, s.minSize, s.maxSize, s.lastOccurrence]),
  );
}

/** `GET …/policies`: `{policies: [...]}`. */
export function renderPolicies(policies: Json[] = []): string {
  return renderTable(
    ['name', 'alarm', 'on', 'adjustment', 'value', 'cooldown', 'last fired'],
    policies.map((p) => [
      p.name,
      p.alarm,
      p.state,
      p.adjustment?.type,
      p.adjustment?.value,
      p.cooldownSeconds === undefined ? undefined : `${p.cooldownSeconds}s`,
      p.lastFiredAt,
    ]),
  );
}
