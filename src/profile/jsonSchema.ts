// The profile's JSON Schema, generated from the zod schema (the single source). Editors use it
// through the `# yaml-language-server: $schema=` line that saved profiles start with.
import { z } from 'zod';
import { ProfileSchema } from './schema';

export function profileJsonSchema(): Record<string, unknown> {
  // "input" mode: fields with defaults may be left out of a hand-written profile.
  const schema = z.toJSONSchema(ProfileSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: 'https://genestack-installer/profile.schema.json',
    title: 'genestack-installer profile',
  };
}

export function profileJsonSchemaText(): string {
  return JSON.stringify(profileJsonSchema(), null, 2) + '\n';
}
