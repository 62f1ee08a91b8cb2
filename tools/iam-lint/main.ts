/**
 * `npm run lint:iam`: every statement of every IAM role and policy in the packaged template
 * (.serverless/, written by `npm run lint:template`, which runs first in CI) checked against the Service
 * Authorization Reference (check.ts). Prints one line per finding, naming the role and statement; exits 1
 * when there is any.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lintTemplate } from './lint-template';

const TEMPLATE = path.resolve(__dirname, '../../.serverless/cloudformation-template-update-stack.json');

async function main(): Promise<void> {
  if (!existsSync(TEMPLATE)) {
    console.error(`${TEMPLATE} is missing: run \`npm run lint:template\` (it packages the stack) first`);
    process.exit(2);
  }
  const findings = await lintTemplate(JSON.parse(readFileSync(TEMPLATE, 'utf8')));
  for (const line of findings) console.log(line);
  console.log(
    findings.length === 0 ? 'lint:iam: every statement checked, no findings' : `lint:iam: ${findings.length} findings`,
  );
  process.exitCode = findings.length === 0 ? 0 : 1;
}

void main();
