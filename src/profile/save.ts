// Writes a profile back as YAML with every default spelt out, so a saved profile says
// everything it will do. Editors validate it through the schema named on the first line.
import { stringify } from 'yaml';
import type { Profile } from './schema';

export const SCHEMA_FILE_NAME = 'genestack-installer-profile.schema.json';

export function renderProfileYaml(
  profile: Profile,
  schemaRef: string = `./${SCHEMA_FILE_NAME}`,
): string {
  // A resolved profile carries a marker and computed roles; saving writes what was chosen.
  const { resolved: _resolved, ...plain } = profile as Profile & { resolved?: unknown };
  const body = stringify(plain, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
  return `# yaml-language-server: $schema=${schemaRef}\n${body}`;
}
