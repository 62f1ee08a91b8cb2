import { EKSClient } from '@aws-sdk/client-eks';
import { EksClusterApi } from '../adapters/aws/eks-cluster-api';
import { EksNodegroupApi } from '../adapters/aws/eks-nodegroups';
import { EksTokenProvider } from '../adapters/aws/eks-token';
import { KubeSelfAccessReview } from '../adapters/kube/kube-access-review';
import { KubeClusterBaseline } from '../adapters/kube/kube-baseline';
import { KubeClientFactory } from '../adapters/kube/kube-clients';
import { EksKubeConnector } from '../adapters/kube/kube-connector';
import { KubeIngresses } from '../adapters/kube/kube-ingresses';
import { KubeNodegroupPods } from '../adapters/kube/kube-nodegroup-pods';
import { KubeWorkloads } from '../adapters/kube/kube-workloads';
import type { Container } from './container';
import { port, type WiringContext } from './context';
import { network } from './net';

/** EKS and the Kubernetes API of its clusters (reached with an EKS token), over one EKS client per function. */
export const eksClient = (ctx: WiringContext) => ctx.once('eks', () => new EKSClient(ctx.aws));

export const clusterApi = (ctx: WiringContext): Container['clusters'] =>
  port(ctx, 'clusters', () => new EksClusterApi(eksClient(ctx)));

export const nodegroupApi = (ctx: WiringContext): Container['nodegroups'] =>
  port(ctx, 'nodegroups', () => new EksNodegroupApi(eksClient(ctx)));

/** client-node itself is required on the first Kubernetes call (core/adapters/kube/client-node.ts). */
export const kubeClients = (ctx: WiringContext): Container['kube'] =>
  port(ctx, 'kube', () => {
    const { region, awsEndpoint, kubeOverrides } = ctx.config;
    const tokens = new EksTokenProvider({ region, credentials: ctx.credentials, endpoint: awsEndpoint });
    return new KubeClientFactory(new EksKubeConnector(clusterApi(ctx), tokens, kubeOverrides), undefined, network(ctx));
  });

export const baseline = (ctx: WiringContext): Container['baseline'] =>
  port(ctx, 'baseline', () => new KubeClusterBaseline(kubeClients(ctx)));

export const workloads = (ctx: WiringContext): Container['workloads'] =>
  port(ctx, 'workloads', () => new KubeWorkloads(kubeClients(ctx)));

export const ingresses = (ctx: WiringContext): Container['ingresses'] =>
  port(ctx, 'ingresses', () => new KubeIngresses(kubeClients(ctx)));

export const nodegroupPods = (ctx: WiringContext): Container['nodegroupPods'] =>
  port(ctx, 'nodegroupPods', () => new KubeNodegroupPods(kubeClients(ctx)));

export const kubeReview = (ctx: WiringContext): Container['kubeReview'] =>
  port(ctx, 'kubeReview', () => new KubeSelfAccessReview(kubeClients(ctx)));
