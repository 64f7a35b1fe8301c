// docs/phases.md is generated from the built-in catalog. After an intended catalog change:
//   UPDATE_DOCS=1 npx vitest run --project unit test/unit/catalog-docs.test.ts
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinCatalog } from '../../src/plan/builtinCatalog';
import { renderPhasesDoc } from '../../src/plan/docs';

const DOC = fileURLToPath(new URL('../../docs/phases.md', import.meta.url));

describe('docs/phases.md', () => {
  const generated = renderPhasesDoc(builtinCatalog());
  if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, generated);
  const doc = readFileSync(DOC, 'utf8');

  it('documents every phase of the catalog', () => {
    for (const p of builtinCatalog().phases) {
      expect(doc, p.id).toContain(`### ${p.id}\n`);
      expect(doc, p.id).toContain(`[\`${p.id}\`](#${p.id})`);
    }
  });

  it('is the current output of renderPhasesDoc (UPDATE_DOCS=1 regenerates it)', () => {
    expect(doc).toBe(generated);
  });

  it('shows commands as templates, with shell scripts whole', () => {
    expect(generated).toContain('${repoDir}/bin/install-kube-ovn.sh');
    expect(generated).toContain('[-e ${acmeEmail}  # only when network.gateway.acmeEmail]');
    expect(generated).toContain('LONGHORN_STORAGE_REPLICAS must be a number');
    expect(generated).toContain('| `${venvBin}` | deploy host |');
  });
});
