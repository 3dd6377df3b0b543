// The generated reference docs match the code: the error catalogue, the configuration keys and the OpenAPI
// document (STYLE §19–20). Run `npm run docs` after changing any of them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDoc, renderErrorsDoc, renderOpenApi, renderReadme } from '../scripts/docs.js';

const read = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

describe('generated docs are current (run `npm run docs` to refresh)', () => {
  it('docs/errors.md lists exactly the error catalogue', () => {
    expect(read('errors.md')).toBe(renderErrorsDoc());
  });
  it('docs/configuration.md lists exactly the configuration keys', () => {
    expect(read('configuration.md')).toBe(renderConfigDoc());
  });
  it('the README documents every configuration setting', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(renderReadme(readme));
  });
  it('docs/openapi.json is the document the server serves', async () => {
    expect(JSON.parse(read('openapi.json'))).toEqual(JSON.parse(await renderOpenApi()));
  });
});
