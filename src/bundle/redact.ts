// Redaction of every text file that goes into a support bundle. The journal's Redactor
// (src/journal/redact.ts) knows the run's secrets (the profile's and those of Genestack's
// kubesecrets.yaml) and the journal's patterns; whole files need a few more rules, because
// they hold what a log line rarely does: PEM certificates, kubeconfig credentials, Secret
// manifests and YAML block scalars. Each rule is applied in turn and its replacements are
// counted, so the manifest can say how many values each rule removed, never which.
import {
  PATTERN_RULES,
  REDACTED,
  Redactor,
  secretsFromKubesecrets,
  secretsFromProfile,
} from '../journal/redact';

export { REDACTED } from '../journal/redact';

/** Rule id -> number of values it replaced in one file. */
export type RedactionCounts = Record<string, number>;

export interface RedactedText {
  text: string;
  counts: RedactionCounts;
}

// Any PEM block: private keys, certificates, CSRs. Unterminated (a cut file): to the end.
const PEM_ANY = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g;
// The end of a block whose beginning was cut off (a file kept from its tail).
const PEM_ORPHAN_END = /^[\s\S]*?-----END [A-Z0-9 ]+-----/;

function redactPem(s: string): string {
  if (!s.includes('-----')) return s;
  let out = s;
  const firstEnd = out.search(/-----END [A-Z0-9 ]+-----/);
  const firstBegin = out.search(/-----BEGIN [A-Z0-9 ]+-----/);
  if (firstEnd >= 0 && (firstBegin < 0 || firstEnd < firstBegin)) {
    out = out.replace(PEM_ORPHAN_END, REDACTED);
  }
  return out.replace(PEM_ANY, REDACTED);
}

// kubeconfig credentials: base64 certificates and keys, OIDC tokens. (`token:` and
// `password:` are caught by the key-value rule.)
const KUBECONFIG_CREDENTIAL =
  /^(\s*(?:-\s+)?["']?(?:client-key-data|client-certificate-data|certificate-authority-data|id-token|refresh-token|idp-certificate-authority-data)["']?\s*:\s*)(?!\[REDACTED\])(\S.*)$/gm;

function redactKubeconfig(s: string): string {
  if (!/-data|-token/.test(s)) return s;
  return s.replace(KUBECONFIG_CREDENTIAL, `$1${REDACTED}`);
}

const SECRET_KIND = /^\s*(?:-\s+)?["']?kind["']?\s*:\s*["']?Secret["']?\s*$/m;
const DATA_KEY = /^(\s*)(?:-\s+)?(data|stringData)\s*:\s*$/;
const MAP_ENTRY = /^(\s*)(?:-\s+)?([^\s#:][^:]*?|"[^"]*"|'[^']*')(\s*:\s*)(.*)$/;
const SECRET_NAME =
  /(?:passw(?:or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?|keyring)/i;
/** A key with a secret word that names something public (`secretName`, `tokenFile`). */
const PUBLIC_KEY = /(?:name|names|ref|file|path|dir|type|kind|length|policy)["']?$/i;
const BLOCK_SCALAR = /^[|>][-+0-9]*\s*(?:#.*)?$/;

const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * YAML, line by line (files may be invalid YAML, or YAML inside a log): every value under
 * `data:`/`stringData:` of a document that is a Secret, and the block scalars (`key: |`) of
 * keys that name a secret, which the single-line key-value rule cannot see.
 */
function redactYamlBlocks(s: string): { text: string; secretData: number; secretBlock: number } {
  let secretData = 0;
  let secretBlock = 0;
  const out: string[] = [];
  for (const doc of s.split(/(?=^---)/m)) {
    const isSecret = SECRET_KIND.test(doc);
    let dataIndent = -1; // inside a Secret's data: block whose key sits at this indent
    let skipIndent = -1; // inside a removed block scalar: lines deeper than this indent go
    const kept: string[] = [];
    for (const line of doc.split('\n')) {
      const blank = line.trim() === '';
      const indent = indentOf(line);
      if (skipIndent >= 0) {
        if (blank || indent > skipIndent) continue;
        skipIndent = -1;
      }
      if (dataIndent >= 0 && !blank && indent <= dataIndent) dataIndent = -1;
      const d = isSecret && dataIndent < 0 ? DATA_KEY.exec(line) : null;
      if (d) {
        dataIndent = d[1]!.length;
        kept.push(line);
        continue;
      }
      const m = blank ? null : MAP_ENTRY.exec(line);
      if (m) {
        const key = m[2]!;
        const value = m[4]!.trim();
        const inData = dataIndent >= 0;
        // line = lead + key + separator + value: the value is the end of the line.
        const redacted = `${line.slice(0, line.length - m[4]!.length)}${REDACTED}`;
        if (BLOCK_SCALAR.test(value) && (inData || namesSecret(key))) {
          kept.push(redacted);
          // `- key: |`: the item's other keys sit two columns right of the dash.
          skipIndent = indent + (/^\s*-\s/.test(line) ? 2 : 0);
          if (inData) secretData++;
          else secretBlock++;
          continue;
        }
        if (inData && value !== '' && value !== REDACTED) {
          kept.push(redacted);
          secretData++;
          continue;
        }
      }
      kept.push(line);
    }
    out.push(kept.join('\n'));
  }
  return { text: out.join(''), secretData, secretBlock };
}

function namesSecret(key: string): boolean {
  return SECRET_NAME.test(key) && !PUBLIC_KEY.test(key);
}

const markers = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf(REDACTED); i >= 0; i = s.indexOf(REDACTED, i + REDACTED.length)) n++;
  return n;
};

/** The rules in the order they run; the manifest and docs/bundle.md use these ids. */
export const BUNDLE_RULES = [
  'pem-block',
  'kubeconfig-credential',
  'secret-data',
  'secret-block',
  'known-secret',
  ...PATTERN_RULES.map((r) => r.id),
] as const;

export class BundleRedactor {
  constructor(readonly known: Redactor) {}

  /** Every rule over the whole text, with how many values each replaced. */
  redact(input: string): RedactedText {
    const counts: RedactionCounts = {};
    let text = input;
    const step = (id: string, next: string): void => {
      const n = markers(next) - markers(text);
      if (n > 0) counts[id] = (counts[id] ?? 0) + n;
      text = next;
    };
    step('pem-block', redactPem(text));
    step('kubeconfig-credential', redactKubeconfig(text));
    if (text.includes(':')) {
      const y = redactYamlBlocks(text);
      if (y.secretData > 0) counts['secret-data'] = y.secretData;
      if (y.secretBlock > 0) counts['secret-block'] = y.secretBlock;
      text = y.text;
    }
    step('known-secret', this.known.redactKnown(text));
    for (const rule of PATTERN_RULES) step(rule.id, rule.apply(text));
    return { text, counts };
  }
}

/**
 * The run's redactor: the profile's secret fields (from its parsed YAML, valid or not) and
 * every value of Genestack's kubesecrets.yaml (when readable).
 */
export function bundleRedactor(
  profileData: unknown,
  kubesecretsText: string | null,
): BundleRedactor {
  const secrets = secretsFromProfile(profileData);
  if (kubesecretsText !== null) {
    try {
      secrets.push(...secretsFromKubesecrets(kubesecretsText));
    } catch {
      // An unparsable file: its values are still removed by the rules, and the manifest says so.
    }
  }
  return new BundleRedactor(new Redactor(secrets));
}
