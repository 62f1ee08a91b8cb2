/**
 * The committed forms of the API contract: `docs/openapi.json` (the document `GET /openapi.json` serves) and
 * `docs/api.md`, a plain rendering of it that reads without a viewer or any network fetch. Both are generated
 * (`npm run docs:openapi`); a unit test fails when the committed files differ from what the code generates.
 */
import { openApiDocument } from '../../functions/api/openapi';

export const OPENAPI_FILE = 'docs/openapi.json';
export const API_MARKDOWN_FILE = 'docs/api.md';

type Json = Record<string, any>;

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

/** One section per route: what it does, its parameters, its body schema and example, its answers. */
export function apiMarkdown(doc: Json = openApiDocument()): string {
  const lines = [
    '# eksflow HTTP API',
    '',
    '<!-- Generated from functions/api/openapi.ts by `npm run docs:openapi`; do not edit by hand. -->',
    '',
    doc.info.description,
    '',
    `OpenAPI ${doc.openapi}, version ${doc.info.version}: [openapi.json](openapi.json), also served by the API at`,
    '`GET /openapi.json`. Every route but `GET /health` is signed with AWS SigV4 (service `execute-api`).',
    '',
    '| route | does | answers |',
    '|---|---|---|',
  ];
  const entries = Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
    Object.entries(methods as Json).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
  );
  for (const { route, op } of entries)
    lines.push(`| \`${route}\` | ${op.summary} | ${Object.keys(op.responses).join(', ')} |`);
  for (const { route, op } of entries) {
    lines.push('', `## \`${route}\``, '', `${op.summary}.`);
    if (op.description) lines.push('', op.description);
    if (op.parameters.length) {
      lines.push('', '| parameter | in | required | schema | description |', '|---|---|---|---|---|');
      for (const p of op.parameters)
        lines.push(
          `| \`${p.name}\` | ${p.in} | ${p.required ? 'yes' : 'no'} | \`${JSON.stringify(p.schema).replaceAll('|', '\\|')}\` | ${p.description} |`,
        );
    }
    const body = op.requestBody?.content['application/json'];
    if (body) {
      lines.push('', `Body (${op.requestBody.required ? 'required' : 'optional'}), example:`, '', '```json');
      lines.push(JSON.stringify(body.example, null, 2), '```');
      lines.push('', '<details><summary>Body schema</summary>', '', '```json');
      lines.push(JSON.stringify(body.schema, null, 2), '```', '', '</details>');
    }
    lines.push('', '| status | meaning |', '|---|---|');
    for (const [status, response] of Object.entries(op.responses as Json))
      lines.push(`| ${status} | ${response.description} |`);
  }
  return `${lines.join('\n')}\n`;
}
