import { KubeClientFactory } from '../../../../../core/adapters/kube/kube-clients';
import { TlsEndpointReach } from '../../../../../core/adapters/net/tls-reach';
import { type Blackhole, startBlackhole } from '../../../../../local/sandbox/network-model';

/**
 * The connect timeout of eksflow's Kubernetes clients and of doctor's reach check, against a real local
 * listener that accepts and never answers (what a dropped connect looks like from Lambda): the failure
 * comes from the connect timeout, not the request timeout, and names the endpoint that was dialled.
 */
describe('connect timeout', () => {
  let blackhole: Blackhole;
  beforeAll(async () => {
    blackhole = await startBlackhole();
  });
  afterAll(async () => blackhole.close());

  const factory = (server: string, via?: string) =>
    new KubeClientFactory({ connect: async () => ({ server, token: 't' }) }, 60_000, {
      connectTimeoutMs: 200,
      path: via ? { connectVia: async () => via } : undefined,
    });

  it('fails a Kubernetes request to a silent endpoint by the connect timeout, naming the endpoint', async () => {
    // Prepare
    const { core } = await factory(`https://${blackhole.address}`).forCluster('c1');

    // Act / Assess
    await expect(core.listNamespace()).rejects.toThrow(`connect to ${blackhole.address} timed out after 200 ms`);
  });

  it('sends a connection through `via` while naming the endpoint the client asked for', async () => {
    // Prepare: nothing listens on port 1; the model's path sends the connection to the blackhole instead.
    const { core } = await factory('https://127.0.0.1:1', blackhole.address).forCluster('c1');

    // Act / Assess
    await expect(core.listNamespace()).rejects.toThrow('connect to 127.0.0.1:1 timed out after 200 ms');
  });

  it('fails doctor’s reach check the same way', async () => {
    // Act / Assess
    await expect(
      new TlsEndpointReach(200, { connectVia: async () => blackhole.address }).reach('c1', 'https://127.0.0.1:1'),
    ).rejects.toThrow('connect to 127.0.0.1:1 timed out after 200 ms');
  });
});
