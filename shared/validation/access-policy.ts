import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACTIONS, type AccessPolicy } from '../domain/access/policy';
import { ValidationError } from '../errors';
import { parseWith } from './parse';

const patternList = (what: string) =>
  z
    .array(z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'))
    .min(1, `needs at least one ${what} pattern`);

/** A pod-template path such as `spec.volumes` or `spec.containers.securityContext` (no array indices). */
const podFieldSchema = z
  .string()
  .regex(/^(metadata|spec)(\.[A-Za-z][A-Za-z0-9]*)+$/, 'must be a pod-template path like "spec.volumes"');

const statementSchema = z
  .object({
    sid: z.string().min(1).max(128).optional(),
    principals: patternList('principal ARN'),
    clusters: patternList('cluster'),
    namespaces: patternList('namespace'),
    actions: z.array(z.enum(ACTIONS, { message: `must be one of ${ACTIONS.join(', ')}` })).min(1, 'needs an action'),
    allowPodFields: z.array(podFieldSchema).optional(),
    imageRegistries: z.array(z.string().min(1, 'must not be empty')).min(1, 'omit it for no limit').optional(),
  })
  .strict();

const policySchema = z.object({ statements: z.array(statementSchema) }).strict();

/** Validates an access policy (YAML or JSON text); a bad one fails the cold start with every bad field named. */
export function parseAccessPolicy(text: string, source: string): AccessPolicy {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ValidationError(`access policy ${source} is not valid YAML: ${(error as Error).message}`, [
      { field: source, reason: 'is not valid YAML' },
    ]);
  }
  return parseWith(policySchema, document, `access policy ${source}`);
}
