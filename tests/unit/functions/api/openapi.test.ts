import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parseClusterSpec } from '../../../../core/clusters/requests/cluster-spec';
import {
  parseAbortReason,
  parsePromoteRequest,
  parseRolloutRequest,
} from '../../../../core/rollouts/requests/rollout-request';
import {
  parsePolicyRequest,
  parseScaleRequest,
  parseScheduleRequest,
} from '../../../../core/scaling/requests/scaling-request';
import { PUBLIC_ROUTES } from '../../../../functions/api/caller';
import { openApiDocument } from '../../../../functions/api/openapi';
import { readServerlessManifest } from '../../../../local/serverless-manifest';
import { API_MARKDOWN_FILE, apiMarkdown, OPENAPI_FILE, openApiText } from '../../../../tools/openapi/render';
import { implementedRoutes } from '../../../helpers/api-routes';

const root = path.resolve(__dirname, '../../../..');

type Json = Record<string, any>;
const doc = openApiDocument() as Json;
const operations = Object.entries(doc.paths as Json).flatMap(([p, methods]) =>
  Object.entries(methods as Json).map(([method, op]) => ({ route: `${method.toUpperCase()} ${p}`, op: op as Json })),
);
const withBody = operations.filter(({ op }) => op.requestBody);

/** Each body route's own parser (the code path the route runs), with the sandbox-like defaults a deployment fills in. */
const parsers: Record<string, (body: unknown) => unknown> = {
  'POST /clusters': (b) =>
    parseClusterSpec(b, {
      roleArn: 'arn:aws:iam::123456789012:role/cluster',
      subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
      nodeRoleArn: 'arn:aws:iam::123456789012:role/nodes',
    }),
  'POST /rollouts': parseRolloutRequest,
  'POST /rollouts/{id}/promote': (b) => parsePromoteRequest(b, undefined),
  'POST /rollouts/{id}/abort': parseAbortReason,
  'POST /clusters/{name}/nodegroups/{ng}/scale': parseScaleRequest,
  'POST /clusters/{name}/nodegroups/{ng}/schedules': parseScheduleRequest,
  'POST /clusters/{name}/nodegroups/{ng}/policies': parsePolicyRequest,
};

/** Issue 17 item 5: the contract in the repository, generated from the validators and kept from drifting. */
describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with exactly the routes serverless.yml declares and the areas implement', () => {
    // Prepare
    const declared = readServerlessManifest(root)
      .functions.flatMap((f) => f.httpRoutes)
      .sort();

    // Act
    const documented = operations.map((o) => o.route).sort();

    // Assess
    expect(doc.openapi).toBe('3.1.0');
    expect(documented).toEqual(declared);
    expect(documented).toEqual(
      implementedRoutes()
        .map((r) => r.routeKey)
        .sort(),
    );
  });

  it('marks unsigned exactly the routes the handler lets through without a signature', () => {
    // Act
    const open = operations.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0);

    // Assess
    expect(open.map((o) => o.route).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('is committed as docs/openapi.json and docs/api.md exactly as `npm run docs:openapi` generates them', () => {
    // Act
    const committedJson = readFileSync(path.join(root, OPENAPI_FILE), 'utf8');
    const committedMarkdown = readFileSync(path.join(root, API_MARKDOWN_FILE), 'utf8');

    // Assess (on failure: run `npm run docs:openapi` and commit the result)
    expect(committedJson).toBe(openApiText());
    expect(committedMarkdown).toBe(apiMarkdown());
  });

  it('names every path parameter of each route, required', () => {
    for (const { route, op } of operations) {
      // Prepare
      const inPath = [...route.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);

      // Act
      const declared = op.parameters.filter((p: Json) => p.in === 'path');

      // Assess
      expect({ route, names: declared.map((p: Json) => p.name) }).toEqual({ route, names: inPath });
      expect(declared.every((p: Json) => p.required === true)).toBe(true);
    }
  });

  it('has a parser for every route with a body, and no more', () => {
    // Act / Assess
    expect(withBody.map((o) => o.route).sort()).toEqual(Object.keys(parsers).sort());
  });

  it.each(withBody.map((o) => [o.route, o.op] as const))(
    '%s: its body example passes the route parser and the documented schema',
    (route, op) => {
      // Prepare
      const { schema, example } = op.requestBody.content['application/json'];
      const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

      // Act
      const parse = () => parsers[route]?.(structuredClone(example));
      const valid = validate(example);

      // Assess
      expect(parse).not.toThrow();
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );

  it.each<[string, unknown, string]>([
    ['POST /clusters', { name: 'x', extra: 1 }, 'an unknown field'],
    [
      'POST /rollouts',
      { cluster: 'c', namespace: 'n', deployment: 'd', canary: { steps: [{ setWeight: 101 }] } },
      'a weight above 100',
    ],
    ['POST /clusters/{name}/nodegroups/{ng}/scale', { desiredSize: -1 }, 'a negative size'],
    [
      'POST /clusters/{name}/nodegroups/{ng}/policies',
      { name: 'p', alarm: 'a', adjustment: { type: 'nope' } },
      'an unknown adjustment',
    ],
  ])('%s: the documented schema refuses what the parser refuses (%s)', (route, body) => {
    // Prepare
    const op = withBody.find((o) => o.route === route)?.op as Json;
    const validate = new Ajv2020({ strict: false }).compile(op.requestBody.content['application/json'].schema);

    // Act / Assess
    expect(() => parsers[route]?.(body)).toThrow();
    expect(validate(body)).toBe(false);
  });

  it('lists among its answers the status each example is documented to get', () => {
    for (const { route, op } of operations) {
      // Act
      const status = op['x-example-status'];

      // Assess
      if (status !== undefined)
        expect({ route, status: String(status) in op.responses }).toEqual({ route, status: true });
    }
  });

  it('declares the error shape of every 4xx, and the Idempotency-Key header on every mutating route', () => {
    for (const { route, op } of operations) {
      // Prepare
      const mutating = !route.startsWith('GET ');

      // Act
      const errors = Object.entries(op.responses as Json).filter(([status]) => status.startsWith('4'));
      const keyed = op.parameters.some((p: Json) => p.in === 'header' && p.name === 'Idempotency-Key');

      // Assess
      for (const [, response] of errors)
        expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      expect({ route, keyed }).toEqual({ route, keyed: mutating });
    }
  });
});
