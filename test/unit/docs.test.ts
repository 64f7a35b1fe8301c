// The documentation lists every validation rule the code can report.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

const ruleIds = (file: string) =>
  new Set(
    [
      ...readFileSync(file, 'utf8').matchAll(
        /(?:rule:\s*|finding\(\s*'(?:error|warning|info)',\s*|^\s+)'([a-z0-9]+(?:-[a-z0-9]+)+)',?$/gm,
      ),
    ].map((m) => m[1]!),
  );

describe('docs/validation.md', () => {
  const doc = readFileSync('docs/validation.md', 'utf8');
  it.each([
    'src/profile/rules.ts',
    'src/profile/load.ts',
    'src/profile/normalize.ts',
    'src/profile/schemaIssues.ts',
  ])('documents every rule id of %s', (file) => {
    const ids = [...ruleIds(file)];
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const missing = ids.filter((id) => !doc.includes(`\`${id}\``));
    expect(missing).toEqual([]);
  });
});
