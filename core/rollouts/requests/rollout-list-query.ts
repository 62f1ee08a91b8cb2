import { z } from 'zod';
import { dnsLabelSchema, eksNameSchema } from '../../clusters/requests/cluster-spec';
import { ValidationError } from '../../kernel/errors';
import { parseWith } from '../../kernel/parse';

/** Page size when the caller gives none: a screenful in the CLI and dashboard. */
export const DEFAULT_LIST_LIMIT = 20;
/** Largest page: 100 rollouts without histories stay far below Lambda's 6 MB response limit. */
export const MAX_LIST_LIMIT = 100;
/** Our tokens are a few hundred characters; anything much longer is not one of them. */
const MAX_NEXT_TOKEN_LENGTH = 2048;

export const listQuerySchema = z
  .object({
    cluster: eksNameSchema,
    namespace: dnsLabelSchema.optional(),
    deployment: dnsLabelSchema.optional(),
    limit: z
      .string()
      .regex(/^\d+$/, `must be a whole number 1–${MAX_LIST_LIMIT}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_LIST_LIMIT, `must be a whole number 1–${MAX_LIST_LIMIT}`)
      .optional(),
    nextToken: z
      .string()
      .min(1)
      .max(MAX_NEXT_TOKEN_LENGTH, 'is not a token from a previous page of this list')
      .optional(),
  })
  .strict()
  .refine((q) => !q.deployment || q.namespace, {
    message: 'is required when deployment is given',
    path: ['namespace'],
  });

/** History page size when the caller gives none. */
export const DEFAULT_HISTORY_LIMIT = 50;
/** Largest history page: the record keeps at most a few hundred entries. */
export const MAX_HISTORY_LIMIT = 200;

export const historyQuerySchema = z
  .object({
    limit: z
      .string()
      .regex(/^\d+$/, `must be a whole number 1–${MAX_HISTORY_LIMIT}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_HISTORY_LIMIT, `must be a whole number 1–${MAX_HISTORY_LIMIT}`)
      .optional(),
    nextToken: z
      .string()
      .min(1)
      .max(MAX_NEXT_TOKEN_LENGTH, 'is not a token from a previous page of this history')
      .optional(),
  })
  .strict();

/** Validates `GET /rollouts/{id}/history`' query string. */
export function parseHistoryQuery(query: Record<string, string | undefined>): { limit: number; nextToken?: string } {
  const present = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
  const parsed = parseWith(historyQuerySchema, present, 'history query');
  return { ...parsed, limit: parsed.limit ?? DEFAULT_HISTORY_LIMIT };
}

export interface RolloutListRequest {
  cluster: string;
  namespace?: string;
  deployment?: string;
  limit: number;
  nextToken?: string;
}

/** Validates `GET /rollouts`' query string; unknown parameters are refused like unknown body fields. */
export function parseRolloutListQuery(query: Record<string, string | undefined>): RolloutListRequest {
  if (!query.cluster) throw ValidationError.forField('cluster', 'is required (query parameter)');
  const present = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
  const parsed = parseWith(listQuerySchema, present, 'rollout list query');
  return { ...parsed, limit: parsed.limit ?? DEFAULT_LIST_LIMIT };
}
