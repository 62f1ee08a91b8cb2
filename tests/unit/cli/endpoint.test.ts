import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findSandboxDir, parseEnvFile, regionOfApiUrl, resolveEndpoint } from '../../../cli/endpoint';

function sandboxTree(): { root: string; deep: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'eksflow-endpoint-'));
  mkdirSync(path.join(root, '.sandbox'));
  writeFileSync(
    path.join(root, '.sandbox', 'env'),
    'AWS_ENDPOINT_URL=http://127.0.0.1:5000\nAWS_REGION=eu-west-3\nAWS_DEFAULT_REGION=eu-west-3\n# keys\nAWS_ACCESS_KEY_ID=k\nAWS_SECRET_ACCESS_KEY=s=x\n',
  );
  const deep = path.join(root, 'a', 'b');
  mkdirSync(deep, { recursive: true });
  return { root, deep };
}

describe('where the CLI talks to, and with which keys', () => {
  it('parses KEY=VALUE lines, keeping "=" inside values', () => {
    expect(parseEnvFile('A=1\n\n# c\nB=x=y\r\n')).toEqual({ A: '1', B: 'x=y' });
  });

  it('finds .sandbox/env from the working directory upward and signs with its keys on 127.0.0.1:PORT', () => {
    // Prepare
    const { root, deep } = sandboxTree();

    // Act
    const endpoint = resolveEndpoint({ cwd: deep, env: { PORT: '3999' } });

    // Assess
    expect(findSandboxDir(deep)).toBe(path.join(root, '.sandbox'));
    expect(endpoint).toMatchObject({
      url: 'http://127.0.0.1:3999',
      region: 'eu-west-3',
      credentials: { accessKeyId: 'k', secretAccessKey: 's=x' },
      sandboxDir: path.join(root, '.sandbox'),
    });
    expect(endpoint.sandboxEnv?.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:5000');
  });

  it('defaults to port 3000; EKSFLOW_SANDBOX_DIR names another folder', () => {
    // Prepare
    const { root } = sandboxTree();

    // Act
    const endpoint = resolveEndpoint({ cwd: os.tmpdir(), env: { EKSFLOW_SANDBOX_DIR: path.join(root, '.sandbox') } });

    // Assess
    expect(endpoint.url).toBe('http://127.0.0.1:3000');
  });

  it('without a sandbox or --api, says what to do', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'eksflow-none-'));
    expect(() => resolveEndpoint({ cwd: empty, env: {} })).toThrow(/start the sandbox \(npm start\) or pass --api URL/);
  });

  it('--api (or EKSFLOW_API) uses the standard credential chain and the region of the URL or AWS_REGION', () => {
    // Act
    const fromUrl = resolveEndpoint({ api: 'https://abc.execute-api.eu-west-1.amazonaws.com/', cwd: '/', env: {} });
    const fromEnv = resolveEndpoint({
      cwd: '/',
      env: { EKSFLOW_API: 'https://api.example.com', AWS_REGION: 'us-west-2' },
    });

    // Assess
    expect(fromUrl.url).toBe('https://abc.execute-api.eu-west-1.amazonaws.com');
    expect(fromUrl.region).toBe('eu-west-1');
    expect(typeof fromUrl.credentials).toBe('function');
    expect(fromUrl.sandboxDir).toBeUndefined();
    expect(fromEnv.region).toBe('us-west-2');
    expect(regionOfApiUrl('https://api.example.com')).toBeUndefined();
    expect(() => resolveEndpoint({ api: 'https://api.example.com', cwd: '/', env: {} })).toThrow(/AWS_REGION/);
    expect(() => resolveEndpoint({ api: 'not a url', cwd: '/', env: {} })).toThrow(/is not a URL/);
  });
});
