// Regenerates assets/profile.schema.json from the zod schema: `npm run schema`.
// test/unit/schema.test.ts fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { profileJsonSchemaText } from '../../src/profile/jsonSchema';

writeFileSync(
  new URL('../../assets/profile.schema.json', import.meta.url),
  profileJsonSchemaText(),
);
console.log('wrote assets/profile.schema.json');
