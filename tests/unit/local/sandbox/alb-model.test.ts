import type { V1Ingress, V1Pod, V1Service } from '@kubernetes/client-node';
import { desiredAlb, elbName, reconcileDelayMs } from '../../../../local/sandbox/alb/alb-model';

const service = (name: string, selector: Record<string, string>): V1Service => ({
  metadata: { name, namespace: 'shop' },
  spec: { selector, ports: [{ port: 80, targetPort: 8080 }] },
});

const pod = (ip: string, labels: Record<string, string>, ready: boolean, deleting = false): V1Pod => ({
  metadata: { name: `p-${ip}`, namespace: 'shop', labels, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const weighted = (stable: number, canary: number): V1Ingress => ({
  metadata: {
    name: 'web',
    namespace: 'shop',
    annotations: {
      'alb.ingress.kubernetes.io/actions.web': JSON.stringify({
        type: 'forward',
        forwardConfig: {
          targetGroups: [
            { serviceName: 'web-stable', servicePort: 80, weight: stable },
            { serviceName: 'web-canary', servicePort: '80', weight: canary },
          ],
        },
      }),
    },
  },
  spec: {
    ingressClassName: 'alb',
    rules: [
      {
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'use-annotation' } } } },
          ],
        },
      },
    ],
  },
});

describe('the sandbox AWS Load Balancer Controller: what it makes of an Ingress', () => {
  it('one weighted rule, a target group per Service tagged as the controller tags it, Ready pods as targets', () => {
    // Prepare
    const services: Record<string, V1Service> = {
      'web-stable': service('web-stable', { app: 'web', 'pod-template-hash': 'a' }),
      'web-canary': service('web-canary', { app: 'web', 'eksflow.io/revision': 'r1' }),
    };
    const pods = [
      pod('10.0.0.1', { app: 'web', 'pod-template-hash': 'a' }, true),
      pod('10.0.0.2', { app: 'web', 'pod-template-hash': 'a' }, false),
      pod('10.0.0.3', { app: 'web', 'eksflow.io/revision': 'r1' }, true),
      pod('10.0.0.4', { app: 'web', 'eksflow.io/revision': 'r1' }, true, true),
    ];

    // Act
    const alb = desiredAlb('sandbox', weighted(80, 20), (name) => services[name], pods);

    // Assess
    expect(alb.problems).toEqual([]);
    expect(alb.rules).toEqual([
      {
        priority: 1,
        path: '/*',
        forward: [
          { key: 'web-stable:80', weight: 80 },
          { key: 'web-canary:80', weight: 20 },
        ],
      },
    ]);
    expect(alb.targetGroups.map((g) => [g.key, g.tags['ingress.k8s.aws/resource'], g.targets])).toEqual([
      ['web-stable:80', 'shop/web-web-stable:80', [{ id: '10.0.0.1', port: 8080 }]],
      ['web-canary:80', 'shop/web-web-canary:80', [{ id: '10.0.0.3', port: 8080 }]],
    ]);
    expect(alb.tags).toEqual({ 'elbv2.k8s.aws/cluster': 'sandbox', 'ingress.k8s.aws/stack': 'shop/web' });
    expect(alb.name.length).toBeLessThanOrEqual(32);
  });

  it('changes nothing for a use-annotation rule without its annotation, and says why', () => {
    const ingress = weighted(100, 0);
    ingress.metadata = { name: 'web', namespace: 'shop' };
    expect(desiredAlb('sandbox', ingress, () => undefined, []).problems).toEqual([
      'rule 1 (*/): the backend port is use-annotation, but the actions annotation is missing',
    ]);
  });

  it('names within 32 characters, stable for the same input, different for another', () => {
    expect(elbName('a-very-long-namespace-name', 'an-even-longer-ingress-name', 'cluster')).toHaveLength(32);
    expect(elbName('ns', 'web', 'c1')).toBe(elbName('ns', 'web', 'c1'));
    expect(elbName('ns', 'web', 'c1')).not.toBe(elbName('ns', 'web', 'c2'));
  });

  it.each([
    [undefined, 2, 2000],
    ['0.5', 2, 500],
    ['soon', 2, 2000],
    ['-1', 0, 0],
  ])('reconcile delay annotation %j with default %i s: %i ms', (value, fallback, ms) => {
    const ingress = weighted(100, 0);
    if (value !== undefined)
      ingress.metadata = {
        ...ingress.metadata,
        annotations: { 'sandbox.eksflow.io/alb-reconcile-delay-seconds': value },
      };
    expect(reconcileDelayMs(ingress, fallback)).toBe(ms);
  });
});
