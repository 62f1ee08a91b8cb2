import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '../../local/sandbox/sandbox';
import { api } from '../helpers/stack';

/** What `npm start` runs (local/main.ts is a thin shell around startSandbox). */
describe('the sandbox behind npm start', () => {
  let sandbox: Sandbox;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-sandbox-'));
    sandbox = await startSandbox({ dir, port: 0, progress: () => undefined });
  }, 120000);
  afterAll(async () => sandbox?.stop());

  it('writes .sandbox/env and .sandbox/kubeconfig for other tools', () => {
    const env = Object.fromEntries(
      readFileSync(path.join(dir, 'env'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=')),
    );
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_ENDPOINT_URL',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    expect(env.AWS_ENDPOINT_URL).toBe(sandbox.stack.awsEndpoint);
    const kubeconfig = readFileSync(path.join(dir, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: ${sandbox.stack.controlPlane.server}`);
    expect(kubeconfig).toContain('certificate-authority-data: ');
  });

  it('reports each component in GET /health', async () => {
    const { status, body } = await api(sandbox.runtime, 'GET', '/health');
    expect(status).toBe(200);
    expect(Object.keys(body.components).sort()).toEqual([
      'aws-emulator',
      'dynamodb',
      'eks',
      'kubernetes',
      'workflow-engine',
    ]);
    expect(Object.values(body.components).every((c: any) => c.status === 'ok')).toBe(true);
  });

  it('starts with the EKS cluster "sandbox" on the emulator', async () => {
    const eks = new EKSClient({
      region: sandbox.stack.region,
      endpoint: sandbox.stack.awsEndpoint,
      credentials: SANDBOX_CREDENTIALS,
    });
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'sandbox' }));
    expect(cluster?.status).toBe('ACTIVE');
  });

  it('stop() ends the emulator and the control plane', async () => {
    const { awsEndpoint, controlPlane } = sandbox.stack;
    await sandbox.stop();
    const refused = { cause: expect.objectContaining({ code: 'ECONNREFUSED' }) };
    await expect(fetch(`${awsEndpoint}/moto-api/`)).rejects.toMatchObject(refused);
    await expect(fetch(`${controlPlane.server}/readyz`)).rejects.toMatchObject(refused);
    expect(existsSync(path.join(dir, 'kube'))).toBe(true);
    sandbox = undefined as never;
  });
});
