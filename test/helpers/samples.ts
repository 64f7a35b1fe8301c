// The sample profiles shipped in profiles/, resolved the way every command sees them.
// (To be switched to the real profile loader once it exists; keep the signature.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { resolveProfile, type ResolvedProfile } from '../../src/profile/normalize';
import { ProfileSchema } from '../../src/profile/schema';

export const SAMPLE_NAMES = ['hyperconverged-lab', 'hyperconverged-ceph', 'full-scale'] as const;
export type SampleName = (typeof SAMPLE_NAMES)[number];

/** profiles/<name>.yaml relative to the repository root, as shown in generated headers. */
export function samplePath(name: SampleName): string {
  return `profiles/${name}.yaml`;
}

export function loadSample(name: SampleName): ResolvedProfile {
  const file = fileURLToPath(new URL(`../../${samplePath(name)}`, import.meta.url));
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  return resolveProfile(ProfileSchema.parse(raw)).profile;
}
