/**
 * Each function holds only what it uses (issue 17, item 7): the AWS SDK clients in its bundle are the clients of the
 * services its packaged role may call, and the packages that cost most at load (zod, luxon, cron-parser) are only
 * where a function parses with them. An import that quietly brings back another client or one of those packages
 * fails here, with the entry that now carries it. It needs the packaged template (cached after the first package),
 * hence the integration project.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { parse } from 'yaml';
import { ON_FIRST_USE, requestFilter } from '../../deploy/esbuild/on-first-use.cjs';
import { readServerlessManifest } from '../../local/serverless-manifest';
import { functionRoles, packagedTemplate } from '../../tools/aws-gate/packaged-roles';

const ROOT = path.resolve(__dirname, '../..');

/** The SDK client a service prefix of an IAM action is called through (logs, iam, kms, sqs: none of ours). */
const CLIENT_OF_SERVICE: Record<string, string> = {
  cloudwatch: 'client-cloudwatch',
  dynamodb: 'client-dynamodb',
  eks: 'client-eks',
  elasticloadbalancing: 'client-elastic-load-balancing-v2',
  events: 'client-eventbridge',
  scheduler: 'client-scheduler',
  states: 'client-sfn',
  sts: 'client-sts',
};

/**
 * Clients a function carries although its role allows no call through them, each for a reason. The scaling tasks
 * and handlers take one ScalingDeps, and rolloutFail the whole RolloutDeps, so they wire ports they never call;
 * narrowing those use cases' parameters (as the cluster steps' were) would take these off.
 */
const CARRIED_UNCALLED: Record<string, string[]> = {
  rolloutFail: ['client-cloudwatch'],
  scaleApply: ['client-cloudwatch', 'client-sfn'],
  scaleCheck: ['client-cloudwatch', 'client-eventbridge', 'client-sfn'],
  scheduledScale: ['client-eventbridge'],
  scalingSweep: ['client-eventbridge'],
};

/**
 * Clients a function carries in a file of its own beside the bundle, required on first use (ON_FIRST_USE), so not
 * in the bundle it loads at a cold start: every client of the API, whose areas (functions/api/areas/, with their
 * adapters) are each required on the first request for it.
 */
const ALL_CLIENTS_ON_FIRST_USE = new Set(['api']);

/**
 * Clients every function that may call them carries in a file of its own (ON_FIRST_USE), not in its bundle: ELBv2,
 * which only ALB canaries call (core/wiring/elbv2.ts requires its adapter on the first call).
 */
const CLIENTS_ON_FIRST_USE = new Set(['client-elastic-load-balancing-v2']);

/** The packages that cost most at load (bench), by the functions that parse with them; no other function has them. */
const LOADS: Record<string, string[]> = {
  // Each area of the API that validates a body, a query or an Idempotency-Key (the operations area: its retry's key),
  // and the contract built from those schemas (the schedule-expression parser, luxon and cron-parser, is a file of
  // its own again).
  'api/cluster-routes': ['zod'],
  'api/openapi-routes': ['zod'],
  'api/operation-routes': ['zod'],
  'api/rollout-routes': ['zod'],
  'api/scaling-routes': ['zod'],
  // The event's schema.
  alarmStateChange: ['zod'],
  scheduledScale: ['zod'],
};
const HEAVY = ['cron-parser', 'luxon', 'zod'];

/** The API's areas (deploy/esbuild/on-first-use.cjs): each required on the first request for it. */
const API_AREAS = ON_FIRST_USE.filter(({ module }) => module.includes('/functions/api/areas/')).map(
  ({ module }) => module,
);

/**
 * The SDK clients each area of the API loads on its first request (the Scheduler and STS adapters are files of
 * their own again, required by the schedule routes and by doctor).
 */
const AREA_CLIENTS: Record<string, string[]> = {
  // Provisioning and deletion start a workflow (Step Functions) and publish its start (EventBridge).
  'api/cluster-routes': ['client-dynamodb', 'client-eks', 'client-eventbridge', 'client-sfn'],
  // Deep health (DynamoDB, EKS) and doctor (the clusters, their alarms, the rollouts and policies that name them).
  'api/health-routes': ['client-cloudwatch', 'client-dynamodb', 'client-eks'],
  // The contract is built from the schemas alone.
  'api/openapi-routes': [],
  // A retry restarts a cluster operation as the cluster routes start one.
  'api/operation-routes': ['client-dynamodb', 'client-eks', 'client-eventbridge', 'client-sfn'],
  // A rollout's ports (as the rollout tasks'): the live view reads its alarms.
  'api/rollout-routes': ['client-cloudwatch', 'client-dynamodb', 'client-eks', 'client-eventbridge', 'client-sfn'],
  // Node-group scaling's one ScalingDeps (as the scaling tasks', see CARRIED_UNCALLED).
  'api/scaling-routes': ['client-cloudwatch', 'client-dynamodb', 'client-eks', 'client-eventbridge', 'client-sfn'],
};

/** Modules required on first use (deploy/esbuild/on-first-use.cjs, packaged by plugins.cjs): not loaded at a cold start. */
const onFirstUse: Plugin = {
  name: 'on-first-use-external',
  setup(b) {
    for (const { request } of ON_FIRST_USE)
      b.onResolve({ filter: requestFilter(request) }, (args) =>
        // As the plugin: only a `require` inside a function is on first use, a top-level import stays in the bundle.
        args.kind === 'require-call' ? { path: args.path, external: true } : undefined,
      );
  },
};

describe('function bundles: each function holds only what it uses (issue 17, item 7)', () => {
  let packagesOf: Map<string, Set<string>>;
  let clientsAllowed: Map<string, string[]>;

  beforeAll(async () => {
    // One build of every entry, with serverless.yml's esbuild options (as `npm run package` builds each).
    const manifest = readServerlessManifest(ROOT);
    const { esbuild } = parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8')).custom;
    const { plugins, exclude, packager, ...options } = esbuild as BuildOptions & Record<string, unknown>;
    const entryPoints = Object.fromEntries([
      ...manifest.functions.map((f) => [
        f.name,
        path.join(ROOT, `${f.handler.slice(0, f.handler.lastIndexOf('.'))}.ts`),
      ]),
      // Each area of the API, a file of its own beside the API's bundle (packaged as the bundle's first-use files are)
      ...API_AREAS.map((module) => [`api/${path.basename(module, '.ts')}`, module]),
    ]);
    const result = await build({
      ...(options as BuildOptions),
      absWorkingDir: ROOT,
      entryPoints,
      outdir: path.join(ROOT, '.esbuild/function-bundles-test'),
      write: false,
      metafile: true,
      plugins: [onFirstUse],
      logLevel: 'error',
    });
    packagesOf = new Map(
      Object.values(result.metafile.outputs).flatMap((output) => {
        if (!output.entryPoint) return [];
        const name = Object.keys(entryPoints).find(
          (entry) => entryPoints[entry] === path.join(ROOT, output.entryPoint ?? ''),
        );
        const packages = Object.keys(output.inputs).flatMap((input) => {
          const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
          return match?.[1] ? [match[1]] : [];
        });
        return name ? [[name, new Set(packages)] as const] : [];
      }),
    );
    const template = await packagedTemplate(ROOT);
    clientsAllowed = new Map(
      functionRoles(template, { region: 'us-east-1' }).map((role) => {
        const services = role.policies.flatMap((p) =>
          ([p.document.Statement].flat() as { Effect?: string; Action?: string | string[] }[])
            .filter((s) => s.Effect === 'Allow')
            .flatMap((s) => [s.Action ?? []].flat().map((a) => String(a).split(':')[0])),
        );
        const clients = services.flatMap((s) => {
          const client = s === undefined ? undefined : CLIENT_OF_SERVICE[s];
          return client ? [client] : [];
        });
        return [role.functionName, [...new Set(clients)].sort()];
      }),
    );
  }, 180000);

  /** The functions' bundles, without the API's areas. */
  const functionBundles = () => [...packagesOf].filter(([name]) => !name.startsWith('api/'));
  const clientsIn = (packages: Set<string>) =>
    [...packages]
      .filter((p) => p.startsWith('@aws-sdk/client-'))
      .map((p) => p.slice('@aws-sdk/'.length))
      .sort();

  it('builds one bundle per function of serverless.yml, and each has a packaged role', () => {
    expect(
      functionBundles()
        .map(([name]) => name)
        .sort(),
    ).toEqual([...clientsAllowed.keys()].sort());
  });

  it('loads at a cold start the SDK clients of the services its role may call, and no other (but the ones named, with why)', () => {
    // Act
    const found = Object.fromEntries(functionBundles().map(([name, packages]) => [name, clientsIn(packages)]));

    // Assess
    const expected = Object.fromEntries(
      [...clientsAllowed].map(([name, clients]) => [
        name,
        ALL_CLIENTS_ON_FIRST_USE.has(name)
          ? []
          : [...new Set([...clients, ...(CARRIED_UNCALLED[name] ?? [])])]
              .filter((c) => !CLIENTS_ON_FIRST_USE.has(c))
              .sort(),
      ]),
    );
    expect(found).toEqual(expected);
  });

  it("loads on an API area's first request the SDK clients of its routes' services, and no other", () => {
    // Act
    const found = Object.fromEntries(
      [...packagesOf]
        .filter(([name]) => name.startsWith('api/'))
        .map(([name, packages]) => [name, clientsIn(packages)]),
    );

    // Assess: each within the API's role
    expect(found).toEqual(AREA_CLIENTS);
    const allowed = clientsAllowed.get('api') ?? [];
    expect(
      Object.values(found)
        .flat()
        .filter((client) => !allowed.includes(client)),
    ).toEqual([]);
  });

  it('has zod, luxon and cron-parser only in the functions that parse with them', () => {
    const found = Object.fromEntries(
      [...packagesOf].map(([name, packages]) => [name, HEAVY.filter((p) => packages.has(p))]),
    );
    const expected = Object.fromEntries([...packagesOf.keys()].map((name) => [name, LOADS[name] ?? []]));
    expect(found).toEqual(expected);
  });
});
