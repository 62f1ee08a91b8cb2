/** A change feed of the emulator (tools/moto/changes.py): `eks` counts EKS writes, `cloudwatch` CloudWatch writes. */
export type ChangeFeed = 'eks' | 'cloudwatch';

/** The longest wait the emulator holds a long-poll open for. */
export const MAX_CHANGES_WAIT_MS = 30000;

/**
 * The feed's change count once it is above `after`, or `after` itself when `waitMs` passes; undefined when `signal`
 * aborts the wait or the emulator does not answer (the caller then looks anyway: a needless look costs one read, a
 * missed change more).
 */
export async function changesAfter(
  emulatorEndpoint: string,
  feed: ChangeFeed,
  after: number,
  waitMs: number,
  signal?: AbortSignal,
): Promise<number | undefined> {
  try {
    const response = await fetch(`${emulatorEndpoint}/_eksflow/changes/${feed}?after=${after}&waitMs=${waitMs}`, {
      signal,
    });
    if (!response.ok) return undefined;
    const { seq } = (await response.json()) as { seq: number };
    return seq;
  } catch {
    return undefined;
  }
}
