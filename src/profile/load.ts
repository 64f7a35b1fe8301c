// Loads a profile from YAML text: refuses unsafe YAML, checks the schema, resolves roles and runs
// the semantic rules. Every finding carries the profile path and its line:column in the file.
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { EXIT } from '../exitCodes';
import { UserError } from '../commands/io';
import { hasErrors, parsePath, sortFindings, type Finding } from './findings';
import { positionOf } from './yamlPosition';
import { resolveProfile, type ResolvedProfile } from './normalize';
import { checkProfile } from './rules';
import { ProfileSchema } from './schema';
import { describeIssue } from './schemaIssues';

/** Profiles are small; anything larger is a mistake or an attack (issue: YAML safety). */
export const MAX_PROFILE_BYTES = 1024 * 1024;
/** yaml's guard against alias expansion bombs ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

export interface LoadResult {
  /** Present when there are no errors. */
  profile?: ResolvedProfile;
  /** The schema-valid profile before role resolution: what a save writes back. */
  parsed?: z.infer<typeof ProfileSchema>;
  findings: Finding[];
  valid: boolean;
}

function tooLarge(bytes: number): Finding {
  return {
    severity: 'error',
    rule: 'yaml-too-large',
    path: '',
    line: 1,
    column: 1,
    message: `the file is ${bytes} bytes; profiles are limited to ${MAX_PROFILE_BYTES} bytes (1 MiB)`,
    fix: 'check that this is the right file; a profile is a few kilobytes',
  };
}

export function loadProfileText(text: string): LoadResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PROFILE_BYTES) return { findings: [tooLarge(bytes)], valid: false };

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter, prettyErrors: false });
  const yamlFindings: Finding[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    const duplicate = e.code === 'DUPLICATE_KEY';
    return {
      severity: 'error',
      rule: duplicate ? 'yaml-duplicate-key' : 'yaml-syntax',
      path: '',
      line: pos.line,
      column: pos.col,
      message: duplicate ? 'a key appears twice in the same mapping' : firstLine(e.message),
      fix: duplicate
        ? 'remove one of the two entries: YAML keeps only one and the other would be silently lost'
        : 'correct the YAML syntax at this position',
    };
  });
  if (yamlFindings.length > 0) return { findings: yamlFindings, valid: false };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return {
      findings: [
        {
          severity: 'error',
          rule: 'yaml-alias-bomb',
          path: '',
          line: 1,
          column: 1,
          message: `the YAML aliases expand too far (${(e as Error).message})`,
          fix: 'write the values out instead of nesting anchors and aliases',
        },
      ],
      valid: false,
    };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      findings: [
        {
          severity: 'error',
          rule: 'not-a-profile',
          path: '',
          line: 1,
          column: 1,
          message: 'the file is not a YAML mapping',
          fix: 'a profile starts with "apiVersion: genestack-installer/v1" and "kind: Profile"; see profiles/ for samples',
        },
      ],
      valid: false,
    };
  }

  const locate = (f: Finding): Finding =>
    f.line !== undefined ? f : { ...f, ...positionOf(doc, lineCounter, parsePath(f.path)) };
  const parsed = ProfileSchema.safeParse(data);
  if (!parsed.success) {
    const findings = parsed.error.issues.flatMap((issue) => describeIssue(issue, data));
    return { findings: sortFindings(findings.map(locate)), valid: false };
  }
  const resolved = resolveProfile(parsed.data);
  const findings = sortFindings(
    [...resolved.findings, ...checkProfile(resolved.profile)].map(locate),
  );
  const valid = !hasErrors(findings);
  return { profile: valid ? resolved.profile : undefined, parsed: parsed.data, findings, valid };
}

export async function loadProfileFile(file: string): Promise<LoadResult> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new UserError(`${file} is not a file; give the path of a profile YAML file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(
        `profile not found: ${file}; check the path, or start from a sample in the profiles/ folder`,
        EXIT.invalid,
      );
    }
    throw new UserError(`cannot read profile ${file}: ${(e as Error).message}`);
  }
  if (size > MAX_PROFILE_BYTES) return { findings: [tooLarge(size)], valid: false };
  return loadProfileText(await readFile(file, 'utf8'));
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
