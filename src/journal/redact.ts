// Secrets never reach the journal: the writer passes every event through a Redactor first.
//
// Two kinds of protection:
// - known secrets (profile fields listed in SECRET_PROFILE_PATHS, values of Genestack's
//   kubesecrets.yaml): every occurrence inside any string field becomes [REDACTED], and so do
//   their base64 and JSON-escaped forms;
// - patterns for secrets nobody told us about: `password=...`, `"password": "..."`,
//   `token: ...`, `--token ...`, `Bearer ...`, ceph `key = AQ...`, PEM private key blocks (also
//   when a block arrives one log line at a time).
//
// Speed matters (the writer appends >= 100,000 events/s): the common case (no secret) must cost
// little whatever the number of secrets. Known secrets are looked for by sampling windows of the
// string against a bitmap (see WINDOW below), and the replacing regex runs only on a confirmed
// hit; the patterns only run when a cheap keyword test hits.
import { parseAllDocuments } from 'yaml';
import { SECRET_PROFILE_PATHS } from '../profile/vocabulary';

export const REDACTED = '[REDACTED]';

/** Shorter values are not treated as secrets: blanking every "abc" would ruin the logs. */
export const DEFAULT_MIN_SECRET_LENGTH = 4;

const KEYWORDS = /passw|passphrase|secret|token|api[_-]?key|private|credential|bearer|key\s*=/i;

// A key naming a secret, then `:` or `=`, then the value: "quoted", 'quoted', \"escaped\" (JSON
// inside a string) or bare up to a separator. Bounded repetitions keep a long token-free word
// from costing quadratic time.
const KEY_VALUE =
  /([A-Za-z0-9_.-]{0,40}(?:passw(?:or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]{0,40})(\\?["']?\s*[:=]\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|\\"(?:[^\\\n]|\\[^"\n])*\\"|(?!\[REDACTED\])[^\s"',;&}\]\\]+)/gi;
// A command-line flag naming a secret, e.g. `kubeadm join --token abc.def`.
const FLAG_VALUE =
  /(--[a-z0-9-]*(?:password|passwd|token|secret)[a-z0-9-]*)(\s+|=)([^\s-][^\s]*)/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;
const CEPH_KEY = /\b(key\s*=\s*)AQ[A-Za-z0-9+/]{36,}={0,2}/g;
const PEM_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/** Keys that contain a keyword but name something public (`secretName: keystone-admin`). */
const PUBLIC_KEY_SUFFIX =
  /(?:name|names|ref|refs|file|path|dir|namespace|type|kind|length|policy)$/i;
/** kubesecrets.yaml keys whose values are identifiers, not secrets. */
const PUBLIC_SECRET_DATA_KEY =
  /^(?:user(?:name)?|.*[-_.]user(?:name)?|database|db|db[-_]?name|host|hostname|port|namespace|url|endpoint|region)$/i;

const UNCHANGED_VALUES = new Set(['', 'null', 'none', 'true', 'false', '~']);

function redactKeyValue(match: string, key: string, sep: string, value: string): string {
  if (PUBLIC_KEY_SUFFIX.test(key)) return match;
  const inner = value.replace(/^\\?["']|\\?["']$/g, '');
  if (UNCHANGED_VALUES.has(inner.toLowerCase()) || inner === REDACTED) return match;
  if (value.startsWith('\\"')) return `${key}${sep}\\"${REDACTED}\\"`;
  if (value.startsWith('"')) return `${key}${sep}"${REDACTED}"`;
  if (value.startsWith("'")) return `${key}${sep}'${REDACTED}'`;
  return `${key}${sep}${REDACTED}`;
}

/** No pattern can match a shorter string (`token:x` is the shortest that redacts anything). */
const MIN_PATTERN_LENGTH = 7;

function redactPatterns(s: string): string {
  if (s.length < MIN_PATTERN_LENGTH || !KEYWORDS.test(s)) return s;
  let out = s;
  if (out.includes('PRIVATE KEY-----')) out = out.replace(PEM_BLOCK, REDACTED);
  out = out.replace(KEY_VALUE, redactKeyValue);
  out = out.replace(FLAG_VALUE, redactFlagValue);
  out = out.replace(BEARER, `$1${REDACTED}`);
  out = out.replace(CEPH_KEY, `$1${REDACTED}`);
  return out;
}

function redactFlagValue(match: string, flag: string, sep: string, value: string): string {
  return value === REDACTED ? match : `${flag}${sep}${REDACTED}`;
}

/** One pattern rule, on its own: for callers that report which rule redacted what. */
export interface PatternRule {
  id: string;
  apply(s: string): string;
}

/**
 * The patterns of redactString one by one, in the same order (the support bundle counts what
 * each one replaced). Each runs without the keyword pre-test: callers use them on whole files.
 */
export const PATTERN_RULES: readonly PatternRule[] = [
  {
    id: 'private-key',
    apply: (s) => (s.includes('PRIVATE KEY-----') ? s.replace(PEM_BLOCK, REDACTED) : s),
  },
  { id: 'key-value', apply: (s) => s.replace(KEY_VALUE, redactKeyValue) },
  { id: 'flag-value', apply: (s) => s.replace(FLAG_VALUE, redactFlagValue) },
  { id: 'bearer-token', apply: (s) => s.replace(BEARER, `$1${REDACTED}`) },
  { id: 'ceph-key', apply: (s) => s.replace(CEPH_KEY, `$1${REDACTED}`) },
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Known secrets of at least LONG_SECRET characters (generated passwords, keys, their base64)
// are found by sampling: with L the shortest of them, every occurrence of one covers a whole
// WINDOW-character window starting at a multiple of L - WINDOW + 1, so only those windows are
// hashed (a 32-character password means one window every 29 characters). A bitmap of the
// hashes of every window of every secret rules out almost all of them with one bit test; a hit
// is confirmed with startsWith. Shorter secrets, rare, are searched with includes.
const WINDOW = 4;
const LONG_SECRET = 16;
const HASH_BASE = 0x01000193;
const BLOOM_BITS = 1 << 20;

function windowHash(s: string, at: number): number {
  let h = s.charCodeAt(at);
  h = (Math.imul(h, HASH_BASE) + s.charCodeAt(at + 1)) | 0;
  h = (Math.imul(h, HASH_BASE) + s.charCodeAt(at + 2)) | 0;
  h = (Math.imul(h, HASH_BASE) + s.charCodeAt(at + 3)) | 0;
  return h;
}

const bloomBit = (h: number) => (h ^ (h >>> 12)) & (BLOOM_BITS - 1);

export interface RedactorOptions {
  /** Secrets shorter than this are ignored (default 4). */
  minSecretLength?: number;
}

export class Redactor {
  private readonly minLength: number;
  private readonly secrets = new Set<string>();
  /** Sampling stride over a string; 0 when there is no long secret. */
  private stride = 0;
  private shortestLong = 0;
  private bloom = new Uint32Array(0);
  /** Window hash -> the long secrets holding that window, with its offset in them. */
  private byHash = new Map<number, Array<{ secret: string; at: number }>>();
  private shortSecrets: string[] = [];
  private literalRe: RegExp | null = null;
  /** Log streams (phaseId + stream) currently inside a PEM private key block. */
  private readonly openPem = new Set<string>();

  constructor(secrets: Iterable<string> = [], options: RedactorOptions = {}) {
    this.minLength = Math.max(1, options.minSecretLength ?? DEFAULT_MIN_SECRET_LENGTH);
    this.add(secrets);
  }

  /** Number of literal strings searched for (secrets and their encoded forms). */
  get size(): number {
    return this.secrets.size;
  }

  /** Adds secrets; their base64 and JSON-escaped forms are searched for too. */
  add(secrets: Iterable<string>): void {
    let added = false;
    for (const raw of secrets) {
      if (raw.trim().length < this.minLength) continue;
      for (const v of variants(raw)) {
        if (v.length >= this.minLength && !this.secrets.has(v)) {
          this.secrets.add(v);
          added = true;
        }
      }
    }
    if (added) this.rebuild();
  }

  private rebuild(): void {
    const all = [...this.secrets].sort((a, b) => b.length - a.length);
    const long = all.filter((x) => x.length >= LONG_SECRET);
    this.shortSecrets = all.filter((x) => x.length < LONG_SECRET);
    this.bloom = new Uint32Array(BLOOM_BITS >>> 5);
    this.byHash = new Map();
    this.shortestLong = long.length === 0 ? 0 : long[long.length - 1]!.length;
    this.stride = long.length === 0 ? 0 : this.shortestLong - WINDOW + 1;
    for (const secret of long) {
      for (let at = 0; at + WINDOW <= secret.length; at++) {
        const h = windowHash(secret, at);
        const bit = bloomBit(h);
        this.bloom[bit >>> 5]! |= 1 << (bit & 31);
        const list = this.byHash.get(h);
        if (list === undefined) this.byHash.set(h, [{ secret, at }]);
        else list.push({ secret, at });
      }
    }
    // Longest first, so a secret containing another is replaced whole.
    this.literalRe = new RegExp(all.map(escapeRegExp).join('|'), 'g');
  }

  /** True when `s` contains a known secret. */
  private containsSecret(s: string): boolean {
    for (const secret of this.shortSecrets) if (s.includes(secret)) return true;
    const stride = this.stride;
    if (stride === 0 || s.length < this.shortestLong) return false;
    const bloom = this.bloom;
    for (let q = 0; q + WINDOW <= s.length; q += stride) {
      const h = windowHash(s, q);
      const bit = bloomBit(h);
      if ((bloom[bit >>> 5]! & (1 << (bit & 31))) === 0) continue;
      for (const { secret, at } of this.byHash.get(h) ?? []) {
        if (q >= at && s.startsWith(secret, q - at)) return true;
      }
    }
    return false;
  }

  /** `s` with every known secret (not the patterns) replaced by [REDACTED]. */
  redactKnown(s: string): string {
    if (this.literalRe === null || !this.containsSecret(s)) return s;
    return s.replace(this.literalRe, REDACTED);
  }

  /** `s` with every known secret and every secret-looking value replaced by [REDACTED]. */
  redactString(s: string): string {
    let out = s;
    if (this.literalRe !== null && this.containsSecret(out)) {
      out = out.replace(this.literalRe, REDACTED);
    }
    return redactPatterns(out);
  }

  /**
   * The event with every string field redacted; the same object when nothing changed. A log
   * line inside a PEM private key block is replaced whole until the block ends, so the
   * Redactor keeps per-stream state: use one instance per journal.
   */
  redactEvent<T extends object>(event: T): T {
    const e = event as Record<string, unknown>;
    if (e.type === 'log' && typeof e.line === 'string') {
      const line = this.redactLogLine(e.phaseId, e.stream, e.line);
      const rest = this.redactFields(e, 'line');
      if (line === e.line && rest === e) return event;
      return { ...rest, line } as T;
    }
    return this.redactFields(e, '') as T;
  }

  private redactLogLine(phaseId: unknown, stream: unknown, line: string): string {
    if (this.openPem.size > 0) {
      const key = `${String(phaseId)}\0${String(stream)}`;
      if (this.openPem.has(key)) {
        const end = PEM_END.exec(line);
        if (end === null) return REDACTED;
        this.openPem.delete(key);
        return REDACTED + this.redactString(line.slice(end.index + end[0].length));
      }
    }
    if (line.includes('PRIVATE KEY-----')) {
      const begin = PEM_BEGIN.exec(line);
      if (begin !== null && !PEM_END.test(line.slice(begin.index))) {
        this.openPem.add(`${String(phaseId)}\0${String(stream)}`);
        return this.redactString(line.slice(0, begin.index)) + REDACTED;
      }
    }
    return this.redactString(line);
  }

  private redactFields(obj: Record<string, unknown>, skip: string): Record<string, unknown> {
    let copy: Record<string, unknown> | null = null;
    for (const key in obj) {
      if (key === skip || key === 'seq' || key === 'ts' || key === 'type') continue;
      const v = obj[key];
      const r = this.redactValue(v);
      if (r !== v) {
        copy ??= { ...obj };
        copy[key] = r;
      }
    }
    return copy ?? obj;
  }

  private redactValue(v: unknown): unknown {
    if (typeof v === 'string') return v === '' ? v : this.redactString(v);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const r = this.redactValue(v[i]);
        if (r !== v[i]) {
          copy ??= v.slice();
          copy[i] = r;
        }
      }
      return copy ?? v;
    }
    const obj = v as Record<string, unknown>;
    let copy: Record<string, unknown> | null = null;
    for (const key in obj) {
      const r = this.redactValue(obj[key]);
      const k = this.redactString(key);
      if (r !== obj[key] || k !== key) {
        copy ??= { ...obj };
        if (k !== key) delete copy[key];
        copy[k] = r;
      }
    }
    return copy ?? obj;
  }
}

function variants(secret: string): string[] {
  const out = new Set<string>([secret]);
  const trimmed = secret.trim();
  out.add(trimmed);
  out.add(Buffer.from(trimmed, 'utf8').toString('base64'));
  out.add(JSON.stringify(trimmed).slice(1, -1));
  // A multi-line secret (a keyring, a key) shows up in logs one line at a time.
  if (trimmed.includes('\n')) {
    for (const line of trimmed.split('\n')) if (line.trim().length >= 16) out.add(line.trim());
  }
  return [...out];
}

/** Values at SECRET_PROFILE_PATHS (dotted paths) of a profile, skipping absent ones. */
export function secretsFromProfile(
  profile: unknown,
  paths: readonly string[] = SECRET_PROFILE_PATHS,
): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let v: unknown = profile;
    for (const part of path.split('.')) {
      v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
    }
    if (typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}

/**
 * Secret values in a Genestack kubesecrets.yaml (written by bin/create-secrets.sh, reference
 * §3.13): every `data` value (base64, decoded too) and every `stringData` value of every Secret,
 * except keys that name identifiers (`username`, `database` ...).
 */
export function secretsFromKubesecrets(yamlText: string): string[] {
  const out: string[] = [];
  const visit = (doc: unknown): void => {
    if (typeof doc !== 'object' || doc === null) return;
    const d = doc as Record<string, unknown>;
    if (Array.isArray(d.items)) d.items.forEach(visit);
    if (d.kind !== 'Secret') return;
    for (const [field, decode] of [
      ['data', true],
      ['stringData', false],
    ] as const) {
      const map = d[field];
      if (typeof map !== 'object' || map === null) continue;
      for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
        if (typeof value !== 'string' || PUBLIC_SECRET_DATA_KEY.test(key)) continue;
        out.push(value);
        if (decode) {
          const decoded = Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8');
          if (decoded !== '' && !decoded.includes('\uFFFD')) out.push(decoded);
        }
      }
    }
  };
  for (const doc of parseAllDocuments(yamlText)) {
    if ('errors' in doc && doc.errors.length > 0) continue;
    visit(doc.toJS());
  }
  return out;
}
