import { kubeconfigYaml } from '../../../../local/sandbox/kubeconfig';
import {
  type NodegroupShape,
  nodeAddress,
  nodeManifest,
  nodeName,
  SEQUENCE_ANNOTATION,
} from '../../../../local/sandbox/nodes/node-manifest';

const batch: NodegroupShape = {
  name: 'batch',
  desiredSize: 2,
  instanceTypes: ['c5.xlarge'],
  capacityType: 'SPOT',
  labels: { workload: 'batch' },
  taints: [
    { key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' },
    { key: 'spot', effect: 'PREFER_NO_SCHEDULE' },
    { key: 'drain', value: 'x', effect: 'NO_EXECUTE' },
  ],
};

describe('simulated Nodes of an EKS node group', () => {
  it('names nodes as EC2 names hosts, one address per sequence number', () => {
    // Act
    const names = [0, 1, 249, 250].map((n) => nodeName(n, 'us-east-1'));

    // Assess
    expect(names).toEqual([
      'ip-10-0-0-10.ec2.internal',
      'ip-10-0-0-11.ec2.internal',
      'ip-10-0-1-9.ec2.internal',
      'ip-10-0-1-10.ec2.internal',
    ]);
    expect(nodeName(0, 'eu-west-1')).toBe('ip-10-0-0-10.eu-west-1.compute.internal');
    expect(new Set([...Array(1000).keys()].map(nodeAddress)).size).toBe(1000);
  });

  it("carries the EKS labels, the group's own labels, its taints in Kubernetes' terms, and Ready", () => {
    // Act
    const node = nodeManifest(batch, 4, 'us-east-1');

    // Assess
    expect(node.metadata?.labels).toMatchObject({
      'eks.amazonaws.com/nodegroup': 'batch',
      'eks.amazonaws.com/capacityType': 'SPOT',
      'node.kubernetes.io/instance-type': 'c5.xlarge',
      'kubernetes.io/hostname': node.metadata?.name,
      'topology.kubernetes.io/zone': 'us-east-1b',
      workload: 'batch',
    });
    expect(node.metadata?.annotations?.[SEQUENCE_ANNOTATION]).toBe('4');
    expect(node.spec?.taints).toEqual([
      { key: 'dedicated', value: 'batch', effect: 'NoSchedule' },
      { key: 'spot', effect: 'PreferNoSchedule' },
      { key: 'drain', value: 'x', effect: 'NoExecute' },
    ]);
    expect(node.status?.allocatable).toMatchObject({ cpu: '3920m', pods: '58', 'ephemeral-storage': '20Gi' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});

describe('.sandbox/kubeconfig', () => {
  it('has one context per cluster, named after it, the sandbox current', () => {
    // Act
    const yaml = kubeconfigYaml(
      [
        { name: 'other', server: 'https://127.0.0.1:2', caData: 'Qg==' },
        { name: 'sandbox', server: 'https://127.0.0.1:1', caData: 'QQ==' },
      ],
      'tok',
      'sandbox',
    );

    // Assess
    expect(yaml).toContain('- name: other\n  context:\n    cluster: other\n    user: eksflow-sandbox');
    expect(yaml).toContain('- name: sandbox\n  cluster:\n    server: https://127.0.0.1:1');
    expect(yaml).toContain('current-context: sandbox');
    expect(yaml).toContain('token: tok');
  });

  it('makes another cluster current when the sandbox is gone', () => {
    // Act
    const yaml = kubeconfigYaml([{ name: 'other', server: 'https://127.0.0.1:2', caData: 'Qg==' }], 'tok', 'sandbox');

    // Assess
    expect(yaml).toContain('current-context: other');
  });
});
