import { formatElapsed } from './format';
import type { NodegroupSizes, Operation } from './types';

const sizes = (s: NodegroupSizes) => `${s.minSize}/${s.desiredSize}/${s.maxSize}`;

/** `ProvisionCluster prod-1  Running  step 2 ControlPlaneActive  1m12s`: the progress line of a long operation. */
export function operationProgressLine(op: Operation, now: Date): string {
  const last = op.steps.at(-1);
  const end = op.status === 'Running' ? now.getTime() : Date.parse(op.updatedAt);
  const step = last ? `step ${op.steps.length} ${last.name}` : 'starting';
  const error = op.error ? `  ${op.error.code}: ${op.error.message}` : '';
  return `${op.kind} ${op.cluster}  ${op.status}  ${step}  ${formatElapsed(end - Date.parse(op.createdAt))}${error}`;
}

export function renderOperation(op: Operation, now: Date): string[] {
  return [
    `Operation ${op.id}`,
    operationProgressLine(op, now),
    ...op.steps.map((s, i) => `  ✔ ${i + 1}  ${s.at.slice(11, 19)}  ${s.name}${s.detail ? `  ${s.detail}` : ''}`),
    ...(op.error?.step ? [`  failed at ${op.error.step}: eksflow operations retry ${op.id} resumes there`] : []),
    ...(op.scale
      ? [
          `  node group ${op.scale.nodegroup}  min/desired/max ${sizes(op.scale.from)} → ${sizes(op.scale.to)}  asked by ${op.scale.requestedBy}`,
        ]
      : []),
  ];
}
