import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  type EKSClient,
  ListAddonsCommand,
  ListClustersCommand,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { SandboxClock } from '../../local/sandbox-clock';

/**
 * Virtual time for tests. A test's runtimes read one SandboxClock (local/sandbox-clock.ts); the test either
 * advances it itself (`hold`, then `advance` past a pause it asserts on) or lets `autoAdvance` jump it to the next
 * sleeper's end whenever the sandbox has nothing real left to do, so no test waits out a pause, a poll or a backoff.
 */

/** How long "quiet" must hold, in real time, before the clock jumps: the sandbox may be between two awaits. */
const SETTLE_MS = 20;
/** How often, in real time, auto-advance looks. */
const LOOK_EVERY_MS = 5;

let shared: SandboxClock | undefined;

/** The clock every runtime of this test file reads (Jest loads modules per file), at real time to start with. */
export function testClock(): SandboxClock {
  shared ??= new SandboxClock();
  return shared;
}

export interface AutoAdvanceOptions {
  /**
   * Real work the clock cannot see (the emulator's clusters CREATING for want of a control plane): while it is
   * pending the clock runs at real speed.
   */
  busy?: () => Promise<boolean>;
  /** Called with the clock's offset from real time after each jump (a crash-test child reports it to its parent). */
  onAdvance?: (offsetMs: number) => void;
}

/**
 * Jumps `clock` to its next sleeper's end each time every function invocation in flight sleeps on it, nothing is
 * `busy`, and that has held for SETTLE_MS. Returns the stop function.
 */
export function autoAdvance(clock: SandboxClock, options: AutoAdvanceOptions = {}): () => void {
  let stopped = false;
  void (async () => {
    let quietSince: number | undefined;
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
      if (!clock.quiet()) {
        quietSince = undefined;
        continue;
      }
      quietSince ??= performance.now();
      if (performance.now() - quietSince < SETTLE_MS) continue;
      if (options.busy && (await options.busy().catch(() => true))) {
        quietSince = undefined;
        continue;
      }
      const next = clock.nextWake();
      // Something may have woken or started while `busy` was asked.
      if (stopped || !next || !clock.quiet()) continue;
      clock.advance(Math.max(0, next.getTime() - clock.now().getTime()) / 1000);
      options.onAdvance?.(clock.offset());
      quietSince = undefined;
    }
  })();
  return () => {
    stopped = true;
  };
}

/** Moves `clock` ahead and lets what it woke run up to its next await. */
export async function advance(clock: SandboxClock, seconds: number): Promise<void> {
  clock.advance(seconds);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Statuses in which the emulator, or the fleet behind it, is still doing something in real time. */
const IN_TRANSITION = new Set(['CREATING', 'UPDATING', 'DELETING']);
/** After a busy answer, how long (real time) before asking the emulator again: each answer costs a few requests. */
const BUSY_RECHECK_MS = 250;

/**
 * `busy` for auto-advance: true while a cluster, node group or add-on of the emulator is in transition (a control
 * plane starting or stopping in the fleet, a simulated update running in real time), so the clock jumps only over
 * time in which nothing real happens.
 */
export function emulatorBusy(eks: EKSClient): () => Promise<boolean> {
  let busyUntil = 0;
  return async () => {
    if (performance.now() < busyUntil) return true;
    const busy = await anyInTransition(eks);
    if (busy) busyUntil = performance.now() + BUSY_RECHECK_MS;
    return busy;
  };
}

async function anyInTransition(eks: EKSClient): Promise<boolean> {
  const { clusters = [] } = await eks.send(new ListClustersCommand({}));
  const answers = await Promise.all(
    clusters.map(async (name) => {
      const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
      if (IN_TRANSITION.has(cluster?.status ?? '')) return true;
      if (cluster?.status !== 'ACTIVE') return false;
      const [{ nodegroups = [] }, { addons = [] }] = await Promise.all([
        eks.send(new ListNodegroupsCommand({ clusterName: name })),
        eks.send(new ListAddonsCommand({ clusterName: name })),
      ]);
      const statuses = await Promise.all([
        ...nodegroups.map(async (nodegroupName) => {
          const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName: name, nodegroupName }));
          return nodegroup?.status;
        }),
        ...addons.map(async (addonName) => {
          const { addon } = await eks.send(new DescribeAddonCommand({ clusterName: name, addonName }));
          return addon?.status;
        }),
      ]);
      return statuses.some((status) => IN_TRANSITION.has(status ?? ''));
    }),
  );
  return answers.some(Boolean);
}
