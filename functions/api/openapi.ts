import { z } from 'zod';
import { clusterSpecSchema, dnsLabelSchema } from '../../core/clusters/requests/cluster-spec';
import { idempotencyKeySchema } from '../../core/idempotency/requests/idempotency-key';
import { historyQuerySchema, listQuerySchema } from '../../core/rollouts/requests/rollout-list-query';
import {
  abortBodySchema,
  promoteBodySchema,
  rolloutRequestSchema,
  stepSchema,
} from '../../core/rollouts/requests/rollout-request';
import { policySchema, scaleSchema, scheduleSchema } from '../../core/scaling/requests/scaling-request';

/**
 * The HTTP API's contract as an OpenAPI 3.1 document, built from the very zod schemas the routes validate with
 * (zod 4's JSON Schema output, which is the 2020-12 dialect OpenAPI 3.1 uses). What zod cannot express — rules
 * across fields, checked by hand after the schema (`parseRolloutRequest`, `parseScaleRequest`, …) — is said in
 * the operation's description, so the document never claims more than the code checks, nor less.
 *
 * Served at `GET /openapi.json` and committed as `docs/openapi.json` (`npm run docs:openapi`); tests keep the
 * two equal and the paths equal to the routes of serverless.yml.
 */

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description: string;
  schema: Json;
  example?: string;
}

interface Operation {
  summary: string;
  description?: string;
  /** False only for the open liveness route. */
  signed?: boolean;
  /** False where every signed caller gets an answer (lists filter to what the caller may read instead). */
  forbids?: boolean;
  query?: Parameter[];
  /** Mutating routes take `Idempotency-Key`. */
  idempotent?: boolean;
  body?: { schema: Json; example: unknown; required?: boolean; description?: string };
  /** The answer when it works, and the error statuses this route itself gives (401/403/5xx are common to all). */
  success: { status: number; description: string };
  /** Other 2xx answers (a dry run's plan). */
  answers?: Record<number, string>;
  errors?: Record<number, string>;
  /**
   * The answer the request example gets when it is not `success` (`x-example-status`): a dry run's 200, or a
   * documented error where the sandbox cannot reach the success case. The integration test holds us to it.
   */
  exampleStatus?: number;
}

/** Input-side JSON Schema of a zod schema: defaults make a field optional, as the caller sees it. */
function schemaOf(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

const flag = (name: string, description: string, example?: 'true'): Parameter => ({
  name,
  in: 'query',
  ...(example ? { example } : {}),
  description: `${description} Only \`true\` or \`false\`; anything else is a 400 naming \`${name}\` (checked by hand).`,
  schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
});

/** `POST /rollouts`: the steps are checked one by one against `stepSchema` (their errors name `canary.steps.N`). */
function rolloutRequestJsonSchema(): Json {
  const schema = schemaOf(rolloutRequestSchema) as { properties: { canary: { properties: { steps: Json } } } };
  schema.properties.canary.properties.steps.items = schemaOf(stepSchema);
  return schema;
}

/** `POST /clusters`: a namespace may also be given as its bare name (the schema's preprocess step). */
function clusterSpecJsonSchema(): Json {
  const schema = schemaOf(clusterSpecSchema) as {
    properties: Record<string, Json> & { namespaces: { items: Json } };
    required: string[];
  };
  schema.properties.namespaces.items = { anyOf: [schemaOf(dnsLabelSchema), schema.properties.namespaces.items] };
  // The route fills these from the deployment's configuration before validating (parseClusterSpec's defaults).
  schema.required = schema.required.filter((name) => !CONFIGURED_DEFAULTS.includes(name));
  for (const name of CONFIGURED_DEFAULTS)
    schema.properties[name] = {
      ...schema.properties[name],
      description: "the deployment's own when left out (required only where none is configured)",
    };
  return schema;
}

/** Cluster spec fields a deployment configures (`ClusterDefaults`): the sandbox and a deployment both set them. */
const CONFIGURED_DEFAULTS = ['roleArn', 'subnetIds'];

const CLUSTER_SPEC_EXAMPLE = {
  name: 'prod-1',
  version: '1.33',
  endpointPublicAccess: false,
  logging: ['api', 'audit'],
  tags: { team: 'platform' },
  nodegroups: [
    {
      name: 'general',
      instanceTypes: ['m6i.large'],
      capacityType: 'ON_DEMAND',
      minSize: 2,
      maxSize: 10,
      desiredSize: 3,
      labels: { tier: 'general' },
      taints: [{ key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' }],
    },
  ],
  addons: [{ name: 'vpc-cni', version: 'latest' }, { name: 'coredns' }, { name: 'kube-proxy' }],
  access: [{ principalArn: 'arn:aws:iam::123456789012:role/dev', policy: 'edit', namespaces: ['team-a'] }],
  namespaces: [
    {
      name: 'team-a',
      quota: { cpu: '20', memory: '64Gi', pods: '100' },
      limitRange: { defaultCpu: '500m', defaultMemory: '512Mi' },
      networkPolicy: 'default-deny',
    },
  ],
  onFailure: 'rollback',
};

/** A read of something that may not exist: 200 with `answer`, or 404 with `notFound`. */
const read = (summary: string, answer: string, notFound: string): Operation => ({
  summary,
  success: { status: 200, description: answer },
  errors: { 404: notFound },
});

/**
 * A node group's named records (schedules, policies), each the same three routes: create one (201, or 409 when the
 * name is taken), list them, delete one by name.
 */
function nodegroupChildren(records: {
  plural: string;
  singular: string;
  create: Pick<Operation, 'summary' | 'description' | 'body'>;
  list: string;
  remove: string;
}): Record<string, Operation> {
  const { plural, singular } = records;
  const path = `/clusters/{name}/nodegroups/{ng}/${plural}`;
  return {
    [`POST ${path}`]: {
      ...records.create,
      idempotent: true,
      success: { status: 201, description: `the ${singular}` },
      errors: { 404: 'unknown cluster or node group', 409: `a ${singular} of that name exists` },
    },
    [`GET ${path}`]: { summary: records.list, success: { status: 200, description: `\`{${plural}: [...]}\`` } },
    [`DELETE ${path}/{${singular}}`]: {
      summary: records.remove,
      idempotent: true,
      success: { status: 204, description: 'deleted' },
      errors: { 404: `unknown ${singular}` },
    },
  };
}

/** The answers of a change to a running rollout (promote, abort). */
const ROLLOUT_CHANGE_ERRORS = {
  404: 'unknown rollout',
  409: 'the rollout has ended',
  503: '`Transient`: the rollout kept changing under the request (5 concurrent writes); send it again',
};

function operations(): Record<string, Operation> {
  return {
    'GET /health': {
      summary: 'Liveness',
      description: 'Open to anyone: says the function answers, and nothing about the account.',
      signed: false,
      success: { status: 200, description: '`{status: "ok"}`' },
    },
    'GET /health/deep': {
      summary: 'Each dependency the runtime reaches, with its state',
      forbids: false,
      success: { status: 200, description: '`{status: "ok", components: {...}}`' },
      errors: { 503: '`{status: "degraded", components: {...}}`: a dependency is down' },
    },
    'GET /openapi.json': {
      summary: 'This document',
      description: 'Signed like every route but the liveness check; any authenticated caller may read it.',
      forbids: false,
      success: { status: 200, description: 'the OpenAPI 3.1 document' },
    },
    'POST /clusters': {
      summary: 'Provision a cluster from a spec',
      description:
        'Fields left out take the deployment defaults (role, subnets, node role). Checked after the schema: with ' +
        '`endpointPublicAccess` true, `publicAccessCidrs` is required (and refused otherwise); node group, add-on, ' +
        'access and namespace names are unique; `eksflow-system` is not a tenant namespace; `minSize ≤ desiredSize ≤ ' +
        'maxSize` per node group; a node group without `nodeRoleArn` needs a configured default.',
      idempotent: true,
      query: [flag('dryRun', 'Plan only: answers `200 {plan}` and changes nothing.', 'true')],
      body: { schema: clusterSpecJsonSchema(), example: CLUSTER_SPEC_EXAMPLE },
      success: { status: 202, description: '`{operationId, cluster: {name, status}, plan}`' },
      answers: {
        200: '`{plan}` with `?dryRun=true`; or `{cluster, changed: false, message, plan}` when the cluster already matches',
      },
      errors: { 409: 'another operation holds the cluster (named)' },
      exampleStatus: 200,
    },
    'GET /clusters': {
      summary: 'The clusters the caller may read',
      forbids: false,
      success: { status: 200, description: '`{clusters: [...]}`' },
    },
    'GET /clusters/{name}': read(
      'Control plane, node groups, add-ons, access, baseline and last operations',
      'the cluster view',
      'unknown cluster',
    ),
    'DELETE /clusters/{name}': {
      summary: 'Tear a cluster down',
      idempotent: true,
      query: [
        flag('force', 'Delete even while other work holds the cluster.'),
        flag('dryRun', 'Plan only: answers `200 {plan}`.', 'true'),
      ],
      success: { status: 202, description: '`{operationId, plan}`' },
      answers: { 200: '`{plan}` with `?dryRun=true`' },
      errors: { 404: 'unknown cluster', 409: 'work is active on the cluster (named), unless `?force=true`' },
      exampleStatus: 200,
    },
    'GET /clusters/{name}/nodegroups': read(
      "A cluster's node groups: sizes, status, recent operations",
      '`{nodegroups: [...]}`',
      'unknown cluster',
    ),
    'GET /clusters/{name}/nodegroups/{ng}': read(
      'One node group: sizes, status, recent operations',
      'the node group view',
      'unknown cluster or node group',
    ),
    'POST /clusters/{name}/nodegroups/{ng}/scale': {
      summary: 'Change the size of a node group',
      description:
        'Checked after the schema: at most one of `desiredSize`, `delta`, `fitPendingPods` (the second is named), ' +
        'or else new `minSize`/`maxSize` only. A `delta` requires an `Idempotency-Key` (a repeated relative change ' +
        'would apply twice). `protectPending: true` refuses a scale-in that would leave Pending pods the group could ' +
        'host (409).',
      idempotent: true,
      body: { schema: schemaOf(scaleSchema), example: { desiredSize: 3 } },
      success: { status: 202, description: '`{operationId}`' },
      errors: { 404: 'unknown cluster or node group', 409: 'another change runs on the node group (named)' },
    },
    ...nodegroupChildren({
      plural: 'schedules',
      singular: 'schedule',
      create: {
        summary: 'Create a scheduled size',
        description:
          'Checked after the schema: at least one of `desiredSize`, `minSize`, `maxSize`; `minSize ≤ maxSize`; ' +
          '`endDate` after `startDate`.',
        body: {
          schema: schemaOf(scheduleSchema),
          example: {
            name: 'weekday-morning',
            schedule: 'cron(0 8 ? * MON-FRI *)',
            timezone: 'Europe/Paris',
            desiredSize: 4,
          },
        },
      },
      list: "A node group's schedules",
      remove: 'Delete a schedule',
    }),
    ...nodegroupChildren({
      plural: 'policies',
      singular: 'policy',
      create: {
        summary: 'Create a scaling policy bound to a CloudWatch alarm',
        description: '`alarm` must name an existing CloudWatch alarm (a 400 naming `alarm` otherwise).',
        body: {
          schema: schemaOf(policySchema),
          example: {
            name: 'cpu-high',
            alarm: 'web-cpu-high',
            adjustment: { type: 'change', value: 2 },
            cooldownSeconds: 300,
          },
        },
      },
      list: "A node group's scaling policies",
      remove: 'Delete a scaling policy',
    }),
    'GET /operations/{id}': read(
      'An operation: status (Running, Succeeded, Failed), steps done, error, transitions',
      'the operation view',
      'unknown operation (or one the caller may not read)',
    ),
    'POST /operations/{id}/retry': {
      summary: 'Resume a failed cluster operation from its failed step',
      description:
        'Provisioning and deletion are retried (a Failed one, or a Running one whose run is gone); a scaling ' +
        'operation is not: the example names one, and gets a 400 naming `id`.',
      idempotent: true,
      success: { status: 202, description: '`{operationId, resumeFrom, run}`' },
      errors: {
        400: '`id` names an operation of a kind not retried here',
        404: 'unknown operation',
        409: 'the operation Succeeded, or is still running',
        503: '`Transient`: the operation kept changing under the request (10 concurrent writes); send it again',
      },
      exampleStatus: 400,
    },
    'POST /rollouts': {
      summary: 'Start a rollout',
      description:
        'Checked after the schema: exactly one strategy (`canary` or `blueGreen`); `image` or `podTemplatePatch`; ' +
        'each of `canary.steps` has exactly one of `setWeight`, `pause`, `analysis` (an error names ' +
        '`canary.steps.N`); weights do not go down unless `allowWeightDecrease`; at most 20 distinct alarms per ' +
        'rollout. What a `podTemplatePatch` may change is decided by the access policy.',
      idempotent: true,
      body: {
        schema: rolloutRequestJsonSchema(),
        example: {
          cluster: 'prod-1',
          namespace: 'team-a',
          deployment: 'web',
          image: 'nginx:1.28',
          canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 100 }] },
        },
      },
      success: { status: 202, description: '`{id, status}`' },
      errors: { 404: 'unknown cluster or Deployment', 409: 'a rollout is active on that Deployment (named)' },
    },
    'GET /rollouts': {
      summary: 'Rollouts of a cluster, newest first, without histories',
      description: '`deployment` requires `namespace`. Only namespaces the caller may read are listed.',
      query: queryOf(listQuerySchema, { cluster: 'prod-1', namespace: 'team-a', limit: '20' }),
      success: { status: 200, description: '`{rollouts: [...], nextToken?}`' },
    },
    'GET /rollouts/{id}': read(
      'A rollout: status, step, weights, history',
      'the rollout view',
      'unknown rollout (or one the caller may not read)',
    ),
    'GET /rollouts/{id}/live': read(
      'What the cluster and CloudWatch show now: replicas of each side, alarm states',
      'the live view',
      'unknown rollout',
    ),
    'POST /rollouts/{id}/promote': {
      summary: 'Skip the current pause, or all steps with `full`',
      description: 'The body may be empty. `step` makes the promote apply only at that step index.',
      idempotent: true,
      body: { schema: schemaOf(promoteBodySchema), example: { full: true }, required: false },
      success: { status: 200, description: 'the rollout view' },
      errors: ROLLOUT_CHANGE_ERRORS,
    },
    'POST /rollouts/{id}/abort': {
      summary: 'Back to stable now',
      description: 'The body may be empty; other fields are ignored.',
      idempotent: true,
      body: { schema: schemaOf(abortBodySchema), example: { reason: 'error rate' }, required: false },
      success: { status: 200, description: 'the rollout view' },
      errors: ROLLOUT_CHANGE_ERRORS,
    },
    'POST /rollouts/{id}/retry': {
      summary: 'Start an Aborted or Failed rollout again, as a new rollout with `retryOf`',
      description:
        'The same release (image or patch, strategy, steps, analysis), checked against the cluster as it is now. ' +
        'The caller needs `rollout` where the first one ran.',
      idempotent: true,
      success: { status: 202, description: '`{id, status, retryOf}`' },
      errors: {
        404: 'unknown rollout',
        409: 'the rollout is still running or was Promoted, or another rollout is active on the Deployment (named)',
      },
    },
    'GET /rollouts/{id}/history': {
      summary: "One page of a rollout's history, oldest first",
      description: 'Each entry: `at`, `type`, `message`, and `stepIndex` or `alarm` where they apply.',
      query: queryOf(historyQuerySchema, { limit: '50' }),
      success: { status: 200, description: '`{id, status, history: [...], nextToken?}`' },
      errors: { 404: 'unknown rollout (or one the caller may not read)' },
    },
    'GET /doctor': {
      summary: 'The checks of `eksflow doctor`, run where the functions run',
      description: 'Always 200 with the report when it runs: a failing check is an answer, not an error.',
      query: [
        {
          name: 'cluster',
          in: 'query',
          description: 'One cluster; without it, each cluster the caller may read. Empty is a 400 (checked by hand).',
          schema: { type: 'string', minLength: 1 },
          example: 'prod-1',
        },
      ],
      success: { status: 200, description: 'the doctor report' },
      errors: { 404: 'unknown cluster' },
    },
  };
}

/** Query parameters from an object schema (one parameter per property). */
function queryOf(schema: z.ZodType, examples: Record<string, string>): Parameter[] {
  const json = schemaOf(schema) as { properties: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    description: `\`${name}\``,
    schema: property,
    ...(examples[name] ? { example: examples[name] } : {}),
  }));
}

const PATH_PARAMETERS: Record<string, { description: string; example: string }> = {
  name: { description: 'cluster name', example: 'prod-1' },
  ng: { description: 'node group name', example: 'general' },
  rolloutId: { description: 'rollout id', example: 'rollout-id' },
  operationId: { description: 'operation id', example: 'operation-id' },
  schedule: { description: 'schedule name', example: 'weekday-morning' },
  policy: { description: 'policy name', example: 'cpu-high' },
};

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ERROR_REF } },
});

function operationObject(routeKey: string, op: Operation): Json {
  const [, path] = routeKey.split(' ') as [string, string];
  const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    // `{id}` is a rollout's or an operation's, by the path's first segment.
    const known = PATH_PARAMETERS[name === 'id' ? `${path.split('/')[1]?.replace(/s$/, '')}Id` : (name as string)];
    return {
      name,
      in: 'path',
      required: true,
      description: known?.description,
      schema: { type: 'string' },
      example: known?.example,
    };
  });
  const header: Parameter[] = op.idempotent
    ? [
        {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'A repeated key within 24 h returns the first answer and does nothing.',
          schema: schemaOf(idempotencyKeySchema),
        },
      ]
    : [];
  const signed = op.signed !== false;
  const errors: Record<string, unknown> = {};
  if (op.body || op.query || op.idempotent)
    errors['400'] = errorResponse('a field the caller can fix; `details` names each one');
  if (signed) errors['401'] = errorResponse('unsigned, or a bad signature');
  if (signed && op.forbids !== false) errors['403'] = errorResponse('not allowed: names the action and the resource');
  if (op.idempotent) errors['422'] = errorResponse('the Idempotency-Key was used with another request');
  for (const [status, description] of Object.entries(op.errors ?? {}))
    errors[status] = status === '503' && routeKey === 'GET /health/deep' ? { description } : errorResponse(description);
  return {
    operationId: operationIdOf(routeKey),
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(signed ? {} : { security: [] }),
    parameters: [...pathParameters, ...(op.query ?? []), ...header],
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required ?? true,
            content: { 'application/json': { schema: op.body.schema, example: op.body.example } },
          },
        }
      : {}),
    responses: {
      [String(op.success.status)]: { description: op.success.description },
      ...Object.fromEntries(Object.entries(op.answers ?? {}).map(([status, description]) => [status, { description }])),
      ...errors,
    },
    ...(op.exampleStatus ? { 'x-example-status': op.exampleStatus } : {}),
  };
}

/** `POST /clusters/{name}/nodegroups/{ng}/scale` → `postClustersNameNodegroupsNgScale`. */
function operationIdOf(routeKey: string): string {
  const words = routeKey
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join('');
}

/** The document itself (built once per process: the schemas do not change while it runs). */
export const openApiDocument = (() => {
  let built: Json | undefined;
  return (): Json => {
    built ??= build();
    return built;
  };
})();

function build(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [routeKey, op] of Object.entries(operations())) {
    const [method, path] = routeKey.split(' ') as [string, string];
    paths[path] ??= {};
    (paths[path] as Record<string, Json>)[method.toLowerCase()] = operationObject(routeKey, op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'eksflow',
      version: '1.2.0',
      description:
        'Serverless EKS automation: clusters, node-group scaling, progressive delivery. JSON bodies; errors are ' +
        '`{error: {code, message, details: [{field, reason}]}}`. Anything the caller can fix is a 4xx.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    security: [{ sigv4: [] }],
    paths,
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 with service `execute-api` (IAM authorization on the HTTP API; in the sandbox ' +
            'the runtime checks it against the credentials in `.sandbox/env`).',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['field', 'reason'],
                    properties: { field: { type: 'string' }, reason: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
