import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { SANDBOX_CREDENTIALS, type Sandbox, startSandbox } from '../../local/sandbox/sandbox';
import { defined } from '../helpers/defined';
import { signedFetch } from '../helpers/signed-fetch';
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

  const envFile = (name: string): Record<string, string> =>
    Object.fromEntries(
      readFileSync(path.join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=')),
    );

  it('writes .sandbox/env, .sandbox/restricted.env and .sandbox/kubeconfig for other tools', () => {
    // Act
    const env = envFile('env');
    const restricted = envFile('restricted.env');

    // Assess
    const keys = ['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY'];
    expect(Object.keys(env).sort()).toEqual(keys);
    expect(Object.keys(restricted).sort()).toEqual(keys);
    expect(env.AWS_ENDPOINT_URL).toBe(sandbox.stack.awsEndpoint);
    expect(env.AWS_ACCESS_KEY_ID).toBe(SANDBOX_ADMIN.accessKeyId);
    expect(restricted.AWS_ACCESS_KEY_ID).toBe(SANDBOX_RESTRICTED.accessKeyId);
    const kubeconfig = readFileSync(path.join(dir, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: ${sandbox.stack.controlPlane.server}`);
    expect(kubeconfig).toContain('certificate-authority-data: ');
  });

  it.each(['env', 'restricted.env'])(
    'accepts requests signed with the keys and region in .sandbox/%s, refuses unsigned ones',
    async (name) => {
      // Prepare
      const env = envFile(name);
      const region = defined(env.AWS_REGION, `AWS_REGION in ${name}`);
      const identity = {
        accessKeyId: defined(env.AWS_ACCESS_KEY_ID, `AWS_ACCESS_KEY_ID in ${name}`),
        secretAccessKey: defined(env.AWS_SECRET_ACCESS_KEY, `AWS_SECRET_ACCESS_KEY in ${name}`),
        principalArn: 'unused by the signer',
      };

      // Act
      const signed = await signedFetch(`${sandbox.runtime.url}/rollouts/none`, {}, { region, as: identity });
      const unsigned = await signedFetch(`${sandbox.runtime.url}/rollouts/none`, {}, { region, as: 'unsigned' });

      // Assess
      expect(signed.status).not.toBe(401);
      expect(unsigned.status).toBe(401);
    },
  );

  it('reports each component in the signed GET /health/deep', async () => {
    const { status, body } = await api(sandbox.runtime, 'GET', '/health/deep');
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
    expect(existsSync(path.join(dir, 'clusters'))).toBe(true);
    sandbox = undefined as never;
  });
});
