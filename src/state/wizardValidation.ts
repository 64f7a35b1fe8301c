// The wizard's validation of its draft: the same checks as `validate` (the zod schema, role
// resolution, the semantic rules). Apart from ./wizard.ts because it loads zod and the rules:
// the wizard's first frame (the home screen) does not need them, and loads this module after it
// is drawn (screens/hooks/useValidation.ts).
import type { Finding } from '../profile/findings';
import { hasErrors, sortFindings } from '../profile/findings';
import { resolveProfile, type ResolvedProfile } from '../profile/normalize';
import { checkProfile } from '../profile/rules';
import { ProfileSchema, type Profile, type ProfileInput } from '../profile/schema';
import { describeIssue } from '../profile/schemaIssues';

export interface Validation {
  findings: Finding[];
  valid: boolean;
  /** Schema-valid profile (defaults applied), when the schema accepts the draft. */
  profile?: Profile;
  /** Resolved and free of errors: what `config` and `plan` take. */
  resolved?: ResolvedProfile;
}

/** The same checks as `validate`: the schema, then role resolution and the semantic rules. */
export function validateDraft(draft: ProfileInput): Validation {
  const parsed = ProfileSchema.safeParse(draft);
  if (!parsed.success) {
    const findings = parsed.error.issues.flatMap((i) => describeIssue(i, draft));
    return { findings: sortFindings([...findings, ...earlyRuleFindings(draft)]), valid: false };
  }
  const r = resolveProfile(parsed.data);
  const findings = sortFindings([...r.findings, ...checkProfile(r.profile)]);
  const valid = !hasErrors(findings);
  return { findings, valid, profile: parsed.data, ...(valid ? { resolved: r.profile } : {}) };
}

/**
 * The semantic rules (etcd count, required groups, services...) for a draft whose later answers
 * are still missing: the missing answers get neutral stand-ins, and findings in the areas that
 * were stood in for are dropped (their own screens validate them). So the Roles screen can show
 * the role rules before the Network screen has been answered.
 */
function earlyRuleFindings(draft: ProfileInput): Finding[] {
  const n = draft.network;
  const patchedAreas = new Set<string>();
  const pick = (area: string, v: string, stand: string) => {
    if (v.trim() !== '') return v;
    patchedAreas.add(area);
    return stand;
  };
  const filled: ProfileInput = {
    ...draft,
    metadata: { ...draft.metadata, name: pick('metadata', draft.metadata.name, 'draft') },
    network: {
      ...n,
      managementInterface: pick('network', n.managementInterface, 'mgmt0'),
      providerInterface: pick('network', n.providerInterface, 'prov0'),
      managementCidr: pick('network', n.managementCidr, '0.0.0.0/0'),
      metallb: {
        primary:
          n.metallb.primary.length > 0
            ? n.metallb.primary
            : (patchedAreas.add('network'), ['192.0.2.1-192.0.2.2']),
        gatewayVip: pick('network', n.metallb.gatewayVip, '192.0.2.3'),
      },
      gateway: { ...n.gateway, domain: pick('network', n.gateway.domain, 'draft.example.com') },
    },
  };
  if (patchedAreas.size === 0) return [];
  const parsed = ProfileSchema.safeParse(filled);
  if (!parsed.success) return [];
  const r = resolveProfile(parsed.data);
  return checkProfile(r.profile).filter(
    (f) => ![...patchedAreas].some((a) => f.path.startsWith(a)),
  );
}
