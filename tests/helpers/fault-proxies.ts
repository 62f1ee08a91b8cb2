import { type FaultProxy, startFaultProxy } from '../../tools/fault-proxy/fault-proxy';
import type { FaultSettings } from '../../tools/fault-proxy/faults';
import { testStack } from './stack';

export interface FaultProxies {
  aws: FaultProxy;
  kube: FaultProxy;
  /** Same settings on both (each keeps its own seeded sequence). */
  setFaults(settings: FaultSettings): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A fault proxy in front of the shared stack's AWS emulator and one in front of its kube-apiserver. */
export async function startFaultProxies(faults: FaultSettings = { rate: 0 }): Promise<FaultProxies> {
  const stack = testStack();
  const seed = faults.seed ?? 1;
  const aws = await startFaultProxy({ upstream: stack.awsEndpoint, kind: 'aws', faults: { ...faults, seed } });
  const kube = await startFaultProxy({
    upstream: stack.controlPlane.server,
    kind: 'kube',
    ca: Buffer.from(stack.controlPlane.caData, 'base64').toString('utf8'),
    // Another seed: the two sequences should not fault the same request numbers in lockstep.
    faults: { ...faults, seed: seed + 1 },
  });
  return {
    aws,
    kube,
    setFaults: (settings) => {
      aws.setFaults({ ...settings, seed: settings.seed ?? 1 });
      kube.setFaults({ ...settings, seed: (settings.seed ?? 1) + 1 });
    },
    pause: () => {
      aws.pause();
      kube.pause();
    },
    resume: () => {
      aws.resume();
      kube.resume();
    },
    close: async () => {
      await Promise.all([aws.close(), kube.close()]);
    },
  };
}
