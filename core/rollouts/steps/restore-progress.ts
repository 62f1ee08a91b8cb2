import type { AlbDeps } from './alb-traffic';

/** Where a restore stands after one step. `done`: stable serves alone; anything of ours is gone. */
export interface RestoreProgress {
  done: boolean;
  /** What the restore waits for, or what it had to leave (someone else's object). */
  note: string;
  /** ALB canary: the load balancer was seen sending everything to stable for the first time (to record). */
  trafficRestoredAt?: string;
  /** How long to wait before the next step (default: a pod poll). */
  waitSeconds?: number;
}

export type RestoreDeps = AlbDeps & { now: () => Date };
