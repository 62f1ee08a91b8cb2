import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { serverlessFunctions } from '../deploy/functions';

/** What the local runtime needs from serverless.yml; read from the file, so deployed and local agree. */
export interface FunctionManifest {
  name: string;
  /** `functions/api/handler.main` → file `functions/api/handler`, export `main`. */
  handler: string;
  httpRoutes: string[];
  /** The subset of httpRoutes with `authorizer: { type: aws_iam }`: the sandbox checks SigV4 on these. */
  iamRoutes: string[];
  /**
   * Placed in a VPC (`vpc:` on the function, or on the provider for all): deployed, it then reaches only what
   * that VPC reaches; the sandbox's network model puts it in the emulator's fixture VPC.
   */
  inVpc: boolean;
}

export type EventPattern = Record<string, unknown>;

export interface ServerlessManifest {
  root: string;
  functions: FunctionManifest[];
  /** State machine key (e.g. `provisionCluster`) → workflow file name without `.asl.json`. */
  stateMachines: Record<string, { workflow: string }>;
}

/** Only the routes: EventBridge rules and rates are read from the packaged template (local/service-targets.ts). */
type RawEvent = {
  httpApi?: string | { method: string; path: string; authorizer?: { type?: string } };
};
type RawFunction = { handler: string; events?: RawEvent[]; vpc?: unknown };
type RawFunctions = Record<string, Partial<RawFunction>>;

/** serverless.yml's item that osls resolves to the function table's entries (deploy/function-table.cjs). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: serverless's variable syntax, as written in serverless.yml
const FUNCTION_TABLE = '${file(deploy/function-table.cjs):functions}';

export function readServerlessManifest(root: string): ServerlessManifest {
  const raw = parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
    provider?: { vpc?: unknown };
    functions: RawFunctions | (RawFunctions | string)[];
    stepFunctions?: { stateMachines?: Record<string, { definition: string }> };
  };
  const functions = Object.entries(mergeFunctions(raw.functions)).map(([name, fn]) =>
    toFunctionManifest(name, fn as RawFunction, raw.provider?.vpc !== undefined),
  );
  const stateMachines = Object.fromEntries(
    Object.entries(raw.stepFunctions?.stateMachines ?? {}).map(([key, sm]) => [
      key,
      { workflow: workflowFileName(sm.definition) },
    ]),
  );
  return { root, functions, stateMachines };
}

/**
 * `functions:` as osls reads it: one object, or a list whose items merge by function name (the function table's
 * item first, then serverless.yml's events and settings for some of them).
 */
function mergeFunctions(functions: RawFunctions | (RawFunctions | string)[]): RawFunctions {
  const merged: RawFunctions = {};
  for (const item of Array.isArray(functions) ? functions : [functions]) {
    if (typeof item === 'string' && item !== FUNCTION_TABLE)
      throw new Error(`serverless.yml functions: unknown item ${item}`);
    const part = item === FUNCTION_TABLE ? (serverlessFunctions() as RawFunctions) : (item as RawFunctions);
    for (const [name, fn] of Object.entries(part)) merged[name] = { ...merged[name], ...fn };
  }
  return merged;
}

function toFunctionManifest(name: string, fn: RawFunction, providerVpc: boolean): FunctionManifest {
  const events = fn.events ?? [];
  return {
    name,
    // `vpc: ~` on a function takes it out of a provider-wide VPC.
    inVpc: fn.vpc === null ? false : fn.vpc !== undefined || providerVpc,
    handler: fn.handler,
    httpRoutes: events.flatMap((e) => (e.httpApi === undefined ? [] : [routeKeyOf(e.httpApi)])),
    iamRoutes: events.flatMap((e) =>
      typeof e.httpApi === 'object' && e.httpApi.authorizer?.type === IAM_AUTHORIZER ? [routeKeyOf(e.httpApi)] : [],
    ),
  };
}

/** serverless.yml's name for API Gateway's IAM (SigV4) authorization. */
const IAM_AUTHORIZER = 'aws_iam';

function routeKeyOf(httpApi: NonNullable<RawEvent['httpApi']>): string {
  return typeof httpApi === 'string' ? httpApi : `${httpApi.method.toUpperCase()} ${httpApi.path}`;
}

/** `${file(workflows/provision-cluster.asl.json)}` → `provision-cluster`. */
function workflowFileName(definition: string): string {
  const name = /\$\{file\((?:\.\/)?workflows\/([\w-]+)\.asl\.json\)\}/.exec(definition)?.[1];
  if (!name) throw new Error(`state machine definition must be \${file(workflows/<name>.asl.json)}, got ${definition}`);
  return name;
}

/** Loads the exported handler a function names, from the same source the bundler builds. */
export function loadHandler<T = (event: unknown) => Promise<unknown>>(
  manifest: ServerlessManifest,
  fn: FunctionManifest,
): T {
  const dot = fn.handler.lastIndexOf('.');
  const file = path.join(manifest.root, fn.handler.slice(0, dot));
  const exported = fn.handler.slice(dot + 1);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(file) as Record<string, unknown>;
  const handler = module[exported];
  if (typeof handler !== 'function') throw new Error(`${fn.handler}: ${file} has no exported function ${exported}`);
  return handler as T;
}
