import type { V1Ingress } from '@kubernetes/client-node';
import { ingressView } from '../../../../../core/adapters/kube/kube-ingresses';

const ROUTE = { ingress: 'web', rootService: 'web', servicePort: 80 };

function ingress(port: { name?: string; number?: number }, annotations?: Record<string, string>): V1Ingress {
  return {
    metadata: { name: 'web', resourceVersion: '7', ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: 'shop.example',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port } } }] },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ hostname: 'k8s-ns-web-abc.elb.example' }] } },
  };
}

describe('ingressView', () => {
  it('reads the hostname and the actions annotation weights by Service', () => {
    // Prepare
    const action = {
      type: 'forward',
      forwardConfig: {
        targetGroups: [
          { serviceName: 'web-stable', servicePort: '80', weight: 80 },
          { serviceName: 'web-canary', servicePort: '80', weight: 20 },
        ],
      },
    };

    // Act
    const view = ingressView(
      ingress({ name: 'use-annotation' }, { 'alb.ingress.kubernetes.io/actions.web': JSON.stringify(action) }),
      ROUTE,
    );

    // Assess
    expect(view).toEqual({
      name: 'web',
      resourceVersion: '7',
      hasAnnotations: true,
      hostname: 'k8s-ns-web-abc.elb.example',
      weights: { 'web-stable': 80, 'web-canary': 20 },
    });
  });

  it.each([
    [{ number: 80 }, 'spec.rules[0].http.paths[0] (shop.example/) sends Service web to port 80'],
    [{ name: 'http' }, 'sends Service web to port http: it must name port "use-annotation"'],
  ])('names the rule that does not use the annotation (%j)', (port, problem) => {
    expect(ingressView(ingress(port), ROUTE).problem).toContain(problem);
  });

  it('names a missing root Service', () => {
    expect(ingressView(ingress({ name: 'use-annotation' }), { ...ROUTE, rootService: 'shop' }).problem).toBe(
      'Ingress web has no rule whose backend is Service shop',
    );
  });
});
