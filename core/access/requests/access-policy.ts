import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';
import { parseWith } from '../../kernel/parse';
import { InvalidImageReference, parseRegistryScope } from '../domain/image-reference';
import { ACTIONS, type AccessPolicy } from '../domain/policy';
import { parseQuantity } from '../domain/quantity';

const patternList = (what: string) =>
  z
    .array(z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'))
    .min(1, `needs at least one ${what} pattern`);

/** A pod-template path such as `spec.volumes` or `spec.containers.securityContext` (no array indices). */
const podFieldSchema = z
  .string()
  .regex(/^(metadata|spec)(\.[A-Za-z][A-Za-z0-9]*)+$/, 'must be a pod-template path like "spec.volumes"');

/** Glob patterns of keys or names; an empty list would say nothing, so it must be omitted instead. */
const globList = z
  .array(z.string().min(1, 'must not be empty').max(317, 'must be at most 317 characters'))
  .min(1, 'omit it to allow none');

/** Kubernetes resource names (`cpu`, `nvidia.com/gpu`) to quantities; each must parse. */
const maxResourcesSchema = z.record(
  z.string().regex(/^([a-z0-9.-]+\/)?[a-zA-Z0-9][-a-zA-Z0-9_.]*$/, 'must be a Kubernetes resource name'),
  z.string().refine((q) => parseQuantity(q) !== undefined, 'must be a Kubernetes quantity such as "2" or "4Gi"'),
);

/** A principal pattern names one account: `arn:<partition>:(iam|sts)::<12 digits>:…`, no `*` before the resource. */
const ONE_ACCOUNT = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:/;

/** A namespace name (RFC 1123 label). */
const namespaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a namespace name (exact, no patterns)');

const statementSchema = z
  .object({
    sid: z.string().min(1).max(128).optional(),
    principals: patternList('principal ARN'),
    allowAnyPrincipal: z.boolean().optional(),
    clusters: patternList('cluster'),
    namespaces: patternList('namespace'),
    actions: z.array(z.enum(ACTIONS, { message: `must be one of ${ACTIONS.join(', ')}` })).min(1, 'needs an action'),
    allowPodFields: z.array(podFieldSchema).optional(),
    imageRegistries: z.array(z.string().min(1, 'must not be empty')).min(1, 'omit it for no limit').optional(),
    requireDigest: z.boolean().optional(),
    allowAnnotations: globList.optional(),
    allowLabels: globList.optional(),
    allowSecretRefs: globList.optional(),
    allowConfigMapRefs: globList.optional(),
    maxResources: maxResourcesSchema.optional(),
  })
  .strict()
  .superRefine((statement, ctx) => {
    if (!statement.allowAnyPrincipal)
      statement.principals.forEach((pattern, i) => {
        if (!ONE_ACCOUNT.test(pattern))
          ctx.addIssue({
            code: 'custom',
            path: ['principals', i],
            message:
              `${pattern} reaches principals of any account; name one account ` +
              '(arn:aws:iam::123456789012:…) or set allowAnyPrincipal: true',
          });
      });
    statement.imageRegistries?.forEach((entry, i) => {
      try {
        parseRegistryScope(entry);
      } catch (error) {
        if (!(error instanceof InvalidImageReference)) throw error;
        ctx.addIssue({ code: 'custom', path: ['imageRegistries', i], message: `${entry} ${error.message}` });
      }
    });
  });

const policySchema = z
  .object({
    statements: z.array(statementSchema),
    protectedNamespaces: z.array(namespaceName).optional(),
  })
  .strict();

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
  try {
    return parseWith(policySchema, document, `access policy ${source}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw namingStatements(error, document, source);
  }
}

/** Each refusal inside a statement names it by its sid too, so that an operator finds it in a long file. */
function namingStatements(error: ValidationError, document: unknown, source: string): ValidationError {
  const statements = (document as { statements?: unknown })?.statements;
  const details = error.details.map((detail) => {
    const index = /^statements\.(\d+)\./.exec(detail.field)?.[1];
    if (index === undefined || !Array.isArray(statements)) return detail;
    const sid = (statements[Number(index)] as { sid?: unknown } | undefined)?.sid;
    return { ...detail, reason: `statement ${typeof sid === 'string' ? sid : `#${index} (no sid)`}: ${detail.reason}` };
  });
  const summary = details.map((d) => `${d.field}: ${d.reason}`).join('; ');
  return new ValidationError(`invalid access policy ${source}: ${summary}`, details);
}
