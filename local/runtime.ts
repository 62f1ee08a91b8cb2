import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { LocalWorkflowEngine } from '../core/adapters/local/local-workflow-engine';
import { loadWorkflowDefinition } from '../core/adapters/local/workflow-definitions';
import { buildContainer } from '../core/composition-root';
import type { Config } from '../core/config';
import type { HealthCheck } from '../core/health/ports/health';
import { errorBody, errorBodyOf, errorMessage, isEksflowError, ValidationError } from '../core/kernel/errors';
import type { Container } from '../core/wiring/container';
import { runWithContainer, useContainer } from '../functions/container';
import { functionIdentities, registerWithGate } from '../tools/aws-gate/function-identities';
import { gateAuthorizer, stateMachineInvocations } from '../tools/aws-gate/invocations';
import {
  type CfnTemplate,
  type FunctionRole,
  functionRoles,
  packagedKubeAccess,
  packagedTemplate,
  stateMachineRoles,
} from '../tools/aws-gate/packaged-roles';
import { type ApiHandler, type PrefixHandler, startHttpServer } from './http-server';
import { SANDBOX_ADMIN, SANDBOX_IDENTITIES, sandboxAuthEnabled } from './sandbox/identities';
import { startSandboxNetwork } from './sandbox/network-model';
import { parseClockRequest, SandboxClock, SCHEDULE_TICK_MS } from './sandbox-clock';
import { startSchedules } from './scheduler';
import { type FunctionManifest, loadHandler, readServerlessManifest } from './serverless-manifest';
import { serviceTargets } from './service-targets';
import { type SigningIdentity, sigV4Verifier, unverifiedAs } from './sigv4-verifier';

export const REPO_ROOT = path.resolve(__dirname, '..');

export interface LocalRuntimeOptions {
  config: Config;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  root?: string;
  /** Replace parts of the wiring (tests). */
  containerOverrides?: Partial<Container>;
  /** Health of the sandbox's own components (emulator, control plane), shown by GET /health. */
  extraHealthChecks?: HealthCheck[];
  /** Run serverless.yml's `schedule` events at their rate (the sandbox does; tests call functions directly). */
  runSchedules?: boolean;
  /**
   * Recovery after a restart: nothing of the last process's workflow runs survives in memory, so run
   * the `scheduledSweep` function once at start (it restarts the runs of rollouts that should be
   * moving), and again every `sweepIntervalMs` when given (tests; deployed, the schedule does this).
   */
  recovery?: { sweepIntervalMs?: number };
  /**
   * Who may sign API requests (checked as API Gateway's IAM authorization would, region from the config);
   * `off` lets unsigned requests through, all acting as the sandbox admin. Default: the sandbox identities,
   * unless EKSFLOW_SANDBOX_AUTH=off.
   */
  authentication?: { identities: SigningIdentity[] } | 'off';
  /**
   * The one clock of this runtime (`POST /_local/clock` moves it): what rollouts, operations, scaling, in-task waits,
   * the engine's Wait states and retries, schedules and sweeps read. A new one at real time by default.
   */
  clock?: SandboxClock;
  /** Paths the HTTP server answers before the API routes (the sandbox's dashboard under /ui/). */
  prefixHandler?: PrefixHandler;
  /**
   * The sandbox's AWS gate, where the functions' roles are registered; default `config.awsEndpoint`. Every
   * function calls AWS with keys of its own packaged role, so the runtime cannot start without a gate.
   */
  awsGate?: string;
  /** A change to the packaged roles before they are registered (a test proving the gate by mutating one). */
  mutateRoles?: (roles: FunctionRole[]) => FunctionRole[];
  /**
   * A change to (a copy of) the packaged template before anything is read from it: a test proving by mutation what
   * the services' own authorizations refuse (the Scheduler's role, a function's `AWS::Lambda::Permission`s).
   */
  mutateTemplate?: (template: CfnTemplate) => CfnTemplate;
  /** Progress of a first start (packaging the template for the roles takes half a minute). */
  progress?: (message: string) => void;
  /**
   * Where the sandbox's network model reads each cluster's endpoint access (the emulator, behind the gate's quotas
   * as AWS's own state is); default the gate, with the admin's keys. The model is always on: a function reaches
   * only the endpoints its VPC placement reaches (local/sandbox/network-model.ts).
   */
  emulatorEndpoint?: string;
}

/** The function serverless.yml schedules as the safety net that resumes work whose run is gone. */
export const RECOVERY_SWEEP_FUNCTION = 'scheduledSweep';
/** The scaling sweep (serverless.yml): resumes node-group changes whose run is gone, re-fires alarm policies. */
export const SCALING_SWEEP_FUNCTION = 'scalingSweep';

export interface LocalRuntime {
  url: string;
  port: number;
  engine: LocalWorkflowEngine;
  container: Container;
  clock: SandboxClock;
  /** Routes an EventBridge event to every function whose rule matches, as the deployed rules would. */
  deliverEvent(event: Record<string, unknown>): Promise<{ matched: string[]; results: unknown[] }>;
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /** The wiring one function runs with (its own role's keys, its network path): tests swap a part of it. */
  containerFor(functionName: string): Container;
  close(): Promise<void>;
}

/**
 * The deployed system on one machine: serverless.yml's routes, rules and state machines, served by
 * the same handlers, with the in-process workflow engine in place of Step Functions.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const root = options.root ?? REPO_ROOT;
  const manifest = readServerlessManifest(root);
  const functions = new Map(manifest.functions.map((fn) => [fn.name, fn]));
  const handlers = new Map<string, (event: unknown) => Promise<unknown>>();
  // The bundled policy lies at the function's root in Lambda; here that is the repository.
  const configured = { ...options.config, accessPolicyFile: path.resolve(root, options.config.accessPolicyFile) };
  const gate = options.awsGate ?? configured.awsEndpoint;
  if (!gate) throw new Error("the local runtime needs config.awsEndpoint: the sandbox's AWS gate");
  // Each function's role as packaged, resolved for the sandbox (its table is this runtime's).
  const packagedOnce = await packagedTemplate(root, options.progress);
  const template = options.mutateTemplate ? options.mutateTemplate(structuredClone(packagedOnce)) : packagedOnce;
  const resolution = { region: configured.region, tableName: configured.tableName };
  const packaged = functionRoles(template, resolution);
  const roles = options.mutateRoles ? options.mutateRoles(packaged) : packaged;
  const identities = functionIdentities(roles);
  await registerWithGate(gate, configured.region, SANDBOX_ADMIN, [...identities.values()]);
  const config = { ...configured, kubeAccess: configured.kubeAccess ?? packagedKubeAccess(roles) };
  // The services that invoke functions (Step Functions, Scheduler, EventBridge rules) are authorized by the gate.
  const authorize = gateAuthorizer(gate, configured.region, SANDBOX_ADMIN);

  let containerOf: (functionName: string) => Container = () => {
    throw new Error('containers are built after the engine');
  };
  const handlerOf = (fn: FunctionManifest) => {
    const cached = handlers.get(fn.name);
    if (cached) return cached;
    const loaded = loadHandler<(event: unknown) => Promise<unknown>>(manifest, fn);
    // Each invocation runs with the function's own container: its AWS calls are signed as its role. The clock
    // tracks it, to know whether the sandbox is doing real work or only sleeping on the clock.
    const handler = (event: unknown) => clock.track(() => runWithContainer(containerOf(fn.name), () => loaded(event)));
    handlers.set(fn.name, handler);
    return handler;
  };
  const invoke = async (functionName: string, event: unknown) => {
    const fn = functions.get(functionName);
    if (!fn) throw new Error(`serverless.yml has no function ${functionName}`);
    // Lambda hands the handler a fresh copy of its input; so do we (no shared mutable state between tasks).
    return handlerOf(fn)(structuredClone(event));
  };

  // Step Functions invokes each task as the state machine's packaged role.
  const functionArns = new Map(packaged.map((r) => [r.functionName, r.functionArn]));
  const mayInvoke = stateMachineInvocations(
    stateMachineRoles(template, resolution),
    (fn) => functionArns.get(fn) ?? `arn:aws:lambda:${configured.region}:000000000000:function:no-such-function-${fn}`,
    authorize,
  );
  const clock = options.clock ?? new SandboxClock();
  const engine = new LocalWorkflowEngine({
    definitions: Object.values(manifest.stateMachines).map((sm) => loadWorkflowDefinition(root, sm.workflow)),
    invokeFunction: async (functionName, input, workflow) => {
      await mayInvoke(workflow, functionName);
      return invoke(functionName, input);
    },
    // A Wait state's or a backoff's sleep belongs to no function invocation (a task's does).
    clock: {
      now: clock.now,
      every: clock.every,
      sleep: (ms, signal) => clock.untracked(() => clock.sleep(ms, signal)),
      sleepUntil: (at, signal) => clock.untracked(() => clock.sleepUntil(at, signal)),
    },
  });
  const adminKeys = { accessKeyId: SANDBOX_ADMIN.accessKeyId, secretAccessKey: SANDBOX_ADMIN.secretAccessKey };
  const network = await startSandboxNetwork({
    aws: { region: config.region, endpoint: options.emulatorEndpoint ?? gate, credentials: adminKeys },
    fixtureSubnetIds: config.clusterDefaults.subnetIds ?? [],
  });
  const wire = (credentials?: { accessKeyId: string; secretAccessKey: string }, fn?: FunctionManifest): Container => {
    const base = buildContainer(
      config,
      {
        workflows: engine,
        now: clock.now,
        sleep: (ms: number) => clock.sleep(ms),
        // Each function's connections go where its VPC placement reaches (the tests' own overrides still win).
        ...(fn ? network.apply(fn) : {}),
        ...options.containerOverrides,
      },
      ...(credentials ? [credentials] : []),
    );
    return {
      ...base,
      healthChecks: [
        {
          name: 'workflow-engine',
          check: async () => `${engine.list().filter((e) => e.status === 'RUNNING').length} running`,
        },
        ...base.healthChecks,
        ...(options.extraHealthChecks ?? []),
      ],
    };
  };
  // The runtime's own container (the sandbox's and tests' reads, outside any function) keeps the admin's keys.
  const container = wire();
  useContainer(container);
  const containers = new Map<string, Container>();
  containerOf = (functionName) => {
    let own = containers.get(functionName);
    if (!own) {
      const identity = identities.get(functionName);
      // A function the template gives no role to has no keys the gate knows: every AWS call of it is refused.
      own = wire(
        identity ?? { accessKeyId: `no-role-${functionName}`, secretAccessKey: 'none' },
        functions.get(functionName),
      );
      containers.set(functionName, own);
    }
    return own;
  };

  // EventBridge rules and Scheduler schedules invoke their targets only as AWS would authorize them.
  const targets = serviceTargets({
    template,
    resolution,
    config,
    roles: packaged,
    authorize,
    invoke,
    deadLetters: { region: config.region, endpoint: options.emulatorEndpoint ?? gate, credentials: adminKeys },
    onRefusal: (message) => container.logger.warn('a service may not invoke its target', { error: message }),
  });
  const deliverEvent = async (event: Record<string, unknown>) =>
    targets.deliverEvent({
      version: '0',
      id: randomUUID(),
      account: '000000000000',
      region: options.config.region,
      time: clock.now().toISOString(),
      resources: [],
      ...event,
    });

  const authentication =
    options.authentication ?? (sandboxAuthEnabled(process.env) ? { identities: SANDBOX_IDENTITIES } : 'off');
  const server = await startHttpServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    routes: manifest.functions.flatMap((fn) =>
      fn.httpRoutes.map((routeKey) => ({
        routeKey,
        handler: ((event) => handlerOf(fn)(event)) as ApiHandler,
        iamAuthorized: fn.iamRoutes.includes(routeKey),
      })),
    ),
    prefixHandler: options.prefixHandler,
    verifier:
      authentication === 'off'
        ? unverifiedAs(SANDBOX_ADMIN)
        : sigV4Verifier({ region: options.config.region, identities: authentication.identities }),
    localEndpoints: {
      'POST /_local/events': async (body) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          return {
            statusCode: 400,
            body: errorBodyOf(ValidationError.forField('body', 'must be an EventBridge event object')),
          };
        }
        try {
          return { statusCode: 200, body: await deliverEvent(body as Record<string, unknown>) };
        } catch (error) {
          if (isEksflowError(error)) return { statusCode: Math.min(error.status, 500), body: errorBodyOf(error) };
          return {
            statusCode: 500,
            body: errorBody(String((error as { code?: unknown }).code ?? 'InternalError'), errorMessage(error)),
          };
        }
      },
      'GET /_local/executions': async () => ({ statusCode: 200, body: engine.list() }),
      // Fast-forwards the schedules' clock, then fires what became due (answered when that has started).
      'POST /_local/clock': async (body) => {
        try {
          clock.advance(parseClockRequest(body).advanceSeconds);
        } catch (error) {
          if (isEksflowError(error)) return { statusCode: error.status, body: errorBodyOf(error) };
          throw error;
        }
        return { statusCode: 200, body: await clock.tick(container, targets) };
      },
    },
  });

  const stopSchedules = options.runSchedules
    ? startSchedules(
        clock,
        targets.rateRules,
        (fn) => targets.fireRateRule(fn),
        (error) => container.logger.warn('scheduled function failed', { error }),
      )
    : () => undefined;
  // Deployed, EventBridge Scheduler fires schedules; here the sandbox looks for due ones now and then.
  const stopScheduleTicks = options.runSchedules
    ? clock.every(
        SCHEDULE_TICK_MS,
        () =>
          void clock
            .tick(container, targets)
            .catch((error) => container.logger.warn('schedule tick failed', { error })),
      )
    : () => undefined;
  const stopRecovery = options.recovery
    ? startRecoverySweep(
        clock,
        // As their rate rules would fire them (so only if the functions' permissions let the rules invoke them).
        () =>
          targets.fireRateRule(RECOVERY_SWEEP_FUNCTION).finally(() =>
            // Node-group changes whose run died with the last process are resumed by the scaling sweep.
            targets.fireRateRule(SCALING_SWEEP_FUNCTION),
          ),
        options.recovery.sweepIntervalMs,
        (error) => container.logger.warn('recovery sweep failed', { error }),
      )
    : async () => undefined;

  return {
    url: server.url,
    port: server.port,
    engine,
    container,
    clock,
    deliverEvent,
    invoke,
    containerFor: (functionName) => containerOf(functionName),
    close: async () => {
      stopSchedules();
      stopScheduleTicks();
      await stopRecovery();
      await engine.close();
      await network.close();
      await server.close();
      useContainer(undefined);
    },
  };
}

/** Sweeps now and then every `intervalMs` of the clock (never two at once); the stop function waits for a sweep in flight. */
function startRecoverySweep(
  clock: SandboxClock,
  sweep: () => Promise<unknown>,
  intervalMs: number | undefined,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = () => {
    running ??= sweep()
      .then(() => undefined, onError)
      .finally(() => {
        running = undefined;
      });
  };
  once();
  const stop = intervalMs ? clock.every(intervalMs, once) : () => undefined;
  return async () => {
    stop();
    await running;
  };
}
