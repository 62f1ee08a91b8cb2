/** `npm run docs:openapi`: writes the committed contract files from the code (see render.ts). */
import { writeFileSync } from 'node:fs';
import { API_MARKDOWN_FILE, apiMarkdown, OPENAPI_FILE, openApiText } from './render';

writeFileSync(OPENAPI_FILE, openApiText());
writeFileSync(API_MARKDOWN_FILE, apiMarkdown());
console.log(`wrote ${OPENAPI_FILE} and ${API_MARKDOWN_FILE}`);
