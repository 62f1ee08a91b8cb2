import { type CfnTemplate, policyStatements } from '../../tests/helpers/template-policy';
import { checkStatement, describeFinding, type LintStatement } from './check';
import { resolveValue } from './resolve';

/** The sandbox's account and region: resources resolve as the packaged roles would there. */
const CONTEXT = { account: '000000000000', region: 'us-east-1', partition: 'aws' };

/** Every finding of every statement of the template, as `Role/Sid: finding` lines. */
export async function lintTemplate(template: CfnTemplate): Promise<string[]> {
  const lines: string[] = [];
  for (const { role, statement } of policyStatements(template)) {
    const where = `${role}/${statement.Sid ?? JSON.stringify(statement.Action)}`;
    let resolved: LintStatement;
    try {
      resolved = {
        ...statement,
        Resource: [statement.Resource ?? []]
          .flat()
          .map((r) => resolveValue(r, { ...CONTEXT, resources: template.Resources })),
      } as LintStatement;
    } catch (error) {
      lines.push(`${where}: ${(error as Error).message}`);
      continue;
    }
    for (const finding of await checkStatement(resolved)) lines.push(`${where}: ${describeFinding(finding)}`);
  }
  return lines;
}
