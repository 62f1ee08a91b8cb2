/**
 * How long finished items stay in the table before DynamoDB's TTL deletes them (attribute `expiresAt`, epoch
 * seconds; serverless.yml's TimeToLiveSpecification). DynamoDB deletes expired items within a few days, never
 * before, so readers need not check the attribute.
 */

/** A finished rollout or operation stays readable (GET, history, audits) for 90 days, like Step Functions' own history. */
export const FINISHED_RECORD_TTL_SECONDS = 90 * 24 * 60 * 60;
/** A node group's recent-operation entry: it only points at an operation, which lives as long as that record. */
export const RECENT_OPERATION_TTL_SECONDS = FINISHED_RECORD_TTL_SECONDS;
/** A trigger waiting for a node group's change: changes last minutes; one left by a crashed end step is stale. */
export const WAITING_TRIGGER_TTL_SECONDS = 24 * 60 * 60;
/** A verified alarm change only answers duplicates of that change; EventBridge retries a delivery for up to 24 h. */
export const VERIFIED_ALARM_CHANGE_TTL_SECONDS = 24 * 60 * 60;

/** The attribute DynamoDB's TTL reads. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Epoch seconds `ttlSeconds` after `from`. */
export function expiresAt(from: Date | string, ttlSeconds: number): number {
  return Math.floor(new Date(from).getTime() / 1000) + ttlSeconds;
}
