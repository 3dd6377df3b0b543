// The generated reference docs match the code: the error catalogue, the configuration keys and the OpenAPI
// document (STYLE §19–20). Run `npm run docs` after changing any of them.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDoc, renderErrorsDoc, renderOpenApi, renderReadme } from '../scripts/docs.js';
import { ROLES } from '../src/access/permissions.js';
import { ERRORS } from '../src/core/errors.js';
import { Metrics } from '../src/observability/metrics.js';

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

describe('hand-written docs name what the code has', () => {
  it('the README describes every API key role', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## API keys and roles');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const described = [...section.matchAll(/^- `(\w+)`/gm)].map((m) => m[1]);
    expect(described).toEqual([...ROLES]);
  });
});

describe('docs/errors.md, "every error code"', () => {
  it('lists only codes the product can answer: each is raised somewhere besides the catalogue', () => {
    const src = new URL('../src/', import.meta.url);
    const code = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && file !== 'core/errors.ts')
      .map((file) => readFileSync(new URL(file, src), 'utf8'))
      .join('\n');
    expect(Object.keys(ERRORS).filter((c) => !code.includes(`'${c}'`))).toEqual([]);
  });
});

describe('docs/operations.md names every Prometheus series', () => {
  it('by its name, so alerts and dashboards can be written from it', async () => {
    const operations = read('operations.md');
    const names = (await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !operations.includes(`\`${name}\``))).toEqual([]);
  });
});
