/**
 * `npm start`: the whole system on this machine — AWS emulator, Kubernetes control plane, the API
 * and workflows — until Ctrl-C, which stops every process it started.
 */
import path from 'node:path';
import { REPO_ROOT } from './runtime';
import { SANDBOX_AUTH_ENV, sandboxAuthEnabled } from './sandbox/identities';
import { SANDBOX_CLUSTER, startSandbox } from './sandbox/sandbox';

async function main() {
  const started = Date.now();
  const dir = path.join(REPO_ROOT, '.sandbox');
  const port = Number(process.env.PORT ?? 3000);
  process.env.LOG_LEVEL ??= 'info';
  const progress = (message: string) => process.stderr.write(`[sandbox] ${message}\n`);
  progress(
    'starting (the first run installs the AWS emulator and builds the Kubernetes control plane: several minutes)',
  );
  const sandbox = await startSandbox({ dir, port, progress });
  const { stack, runtime } = sandbox;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    [
      '',
      `eksflow sandbox is up (${seconds} s)`,
      `  HTTP API             ${runtime.url}        (try: curl ${runtime.url}/health)`,
      sandboxAuthEnabled(process.env)
        ? `  authentication       SigV4 (execute-api) on every route but /health: keys in .sandbox/env (admin), .sandbox/restricted.env`
        : `  authentication       OFF (${SANDBOX_AUTH_ENV}=off): every request acts as the admin`,
      `  dashboard            ${sandbox.dashboardUrl}  (or: npx eksflow dashboard)`,
      `  workflows            workflows/*.asl.json on the in-process engine`,
      `  AWS endpoint         ${stack.awsEndpoint}  (IAM and quotas checked, then moto; env in .sandbox/env; refusals in .sandbox/aws-gate.log)`,
      `  Kubernetes API       ${stack.controlPlane.server}  (kubeconfig: .sandbox/kubeconfig)`,
      `  EKS cluster          "${SANDBOX_CLUSTER}" on the emulator, mapped to the Kubernetes API above`,
      `  alarm events         CloudWatch alarm state changes on the emulator → alarmStateChange`,
      `  schedules            serverless.yml rate() schedules run in-process (scheduledSweep)`,
      `  events               POST ${runtime.url}/_local/events routes an EventBridge event like the deployed rules`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    progress(`${signal}: stopping`);
    await sandbox.stop().catch((error) => progress(`stop failed: ${error}`));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`[sandbox] failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
