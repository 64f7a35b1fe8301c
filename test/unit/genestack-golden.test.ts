// Golden files: every rendered file of every sample profile, byte for byte. They are the
// reviewable spec of what the installer writes under /etc/genestack.
//
// After an intended change, regenerate them and review the diff:
//   UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/genestack-golden.test.ts
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { renderConfigFiles } from '../../src/genestack/render';
import { loadSample, SAMPLE_NAMES, samplePath } from '../helpers/samples';

const GOLDEN_ROOT = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string, prefix = ''): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory()
      ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
      : [`${prefix}${e.name}`],
  );
}

describe.each(SAMPLE_NAMES)('golden files of %s', (name) => {
  const files = renderConfigFiles(loadSample(name), {
    profileName: name,
    profilePath: samplePath(name),
  });
  const dir = path.join(GOLDEN_ROOT, name);

  if (UPDATE) {
    test('update', () => {
      rmSync(dir, { recursive: true, force: true });
      for (const f of files) {
        const target = path.join(dir, f.path);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, f.content);
      }
    });
    return;
  }

  test('no golden file is missing or left over', () => {
    expect(listFiles(dir).sort()).toEqual(files.map((f) => f.path).sort());
  });

  test.each(files.map((f) => [f.path, f] as const))('%s', (_path, file) => {
    const golden = readFileSync(path.join(dir, file.path), 'utf8');
    expect(file.content).toBe(golden);
  });
});
