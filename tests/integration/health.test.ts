import { type FaultProxies, startFaultProxies } from '../helpers/fault-proxies';
import { api, startTestRuntime, type TestRuntime } from '../helpers/stack';

/**
 * Issue 15 part 6 on the real runtime: the open `GET /health` answers liveness only. It costs no AWS call
 * and tells nothing of the account or of a failing dependency; the signed `GET /health/deep` tells both.
 * The runtime's AWS calls go through a fault proxy, which counts them and can make every one fail.
 */
describe('GET /health (open) and GET /health/deep (signed)', () => {
  let proxies: FaultProxies;
  let runtime: TestRuntime;
  beforeAll(async () => {
    proxies = await startFaultProxies();
    runtime = await startTestRuntime({ awsEndpoint: proxies.aws.url });
  });
  afterAll(async () => {
    await runtime?.close();
    await proxies?.close();
  });
  afterEach(() => proxies.setFaults({ rate: 0 }));

  it('answers unsigned without calling AWS, and with nothing but the status', async () => {
    // Prepare
    const before = proxies.aws.stats().requests;

    // Act
    const health = await api(runtime, 'GET', '/health', undefined, { as: 'unsigned' });

    // Assess
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(proxies.aws.stats().requests).toBe(before);
  });

  it('shows a failing dependency only to a signed caller', async () => {
    // Prepare: every AWS call answers a server error, whose text a deep report would quote.
    proxies.setFaults({ rate: 1, kinds: ['error5xx'] });

    // Act
    const open = await api(runtime, 'GET', '/health', undefined, { as: 'unsigned' });
    const openDeep = await api(runtime, 'GET', '/health/deep', undefined, { as: 'unsigned' });
    const deep = await api(runtime, 'GET', '/health/deep');

    // Assess: the open answers carry no component, no detail, no account id.
    expect(open).toEqual({ status: 200, body: { status: 'ok' } });
    expect(openDeep.status).toBe(401);
    expect(JSON.stringify(openDeep.body)).not.toMatch(/dynamodb|eks|\d{12}/i);
    expect(deep.status).toBe(503);
    expect(deep.body.components.dynamodb).toMatchObject({ status: 'down', detail: expect.any(String) });
    expect(deep.body.components.eks.status).toBe('down');
  });
});
