// The `when` language of the phase catalog: a small, safe condition language over the profile.
// Conditions are parsed into an AST when the catalog loads (never evaluated as code), checked
// against the profile schema (unknown fields and impossible enum values are catalog errors), and
// evaluated with an explanation, so a skipped phase can say why:
// "storage.backend is longhorn, not rook-ceph".
//
// Grammar of the string form:
//   expr    := or
//   or      := and ('or' and)*
//   and     := unary ('and' unary)*
//   unary   := ('not' | '!') unary | primary
//   primary := '(' expr ')' | 'true' | 'false' | path [('==' | '!=') literal | 'in' '[' literals ']']
//   path    := dotted profile field, e.g. storage.backend, openstack.services.octavia
//   literal := bare word [A-Za-z0-9_.@:/+-]+ or a '...' / "..." quoted string
// The YAML form adds `{any: [...]}`, `{all: [...]}` and `{not: ...}` around conditions, and a
// YAML boolean is a constant.
import { ProfileSchema } from '../profile/schema';
import { closest } from '../profile/suggest';

export type Literal = string;

export type Condition =
  | { op: 'const'; value: boolean }
  | { op: 'truthy'; path: string }
  | { op: 'eq' | 'ne'; path: string; value: Literal }
  | { op: 'in'; path: string; values: Literal[] }
  | { op: 'not'; cond: Condition }
  | { op: 'any' | 'all'; conds: Condition[] };

/** A condition that does not parse or does not fit the profile; `message` is for the operator. */
export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

// ---------------------------------------------------------------------------------------------
// Profile fields a condition may name, derived from the zod schema so the two never drift.

export type FieldType = 'boolean' | 'string' | 'number' | 'enum' | 'array' | 'object' | 'other';
export interface FieldInfo {
  type: FieldType;
  /** enum values */
  values?: readonly string[];
}

interface ZodLike {
  def: {
    type: string;
    shape?: Record<string, ZodLike>;
    innerType?: ZodLike;
    entries?: Record<string, string>;
  };
}

function describeField(schema: ZodLike): FieldInfo {
  let s = schema;
  while (['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(s.def.type)) {
    if (!s.def.innerType) break;
    s = s.def.innerType;
  }
  switch (s.def.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'number':
      return { type: 'number' };
    case 'enum':
      return { type: 'enum', values: Object.values(s.def.entries ?? {}) };
    case 'array':
      return { type: 'array' };
    case 'object':
      return { type: 'object' };
    default:
      return { type: 'other' };
  }
}

function collectFields(schema: ZodLike, prefix: string, out: Map<string, FieldInfo>): void {
  let s = schema;
  while (['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(s.def.type)) {
    if (!s.def.innerType) break;
    s = s.def.innerType;
  }
  if (s.def.type !== 'object' || !s.def.shape) return;
  for (const [key, child] of Object.entries(s.def.shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const info = describeField(child);
    // Lists of hosts and disks are not addressable item by item: only "is it empty".
    if (info.type !== 'other') out.set(path, info);
    if (info.type === 'object') collectFields(child, path, out);
  }
}

let fieldCache: Map<string, FieldInfo> | undefined;

/** Every profile field a condition may name, with its type. */
export function profileFields(): ReadonlyMap<string, FieldInfo> {
  if (!fieldCache) {
    fieldCache = new Map();
    collectFields(ProfileSchema as unknown as ZodLike, '', fieldCache);
  }
  return fieldCache;
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Token =
  | { t: 'word'; v: string; quoted: boolean }
  | { t: 'op'; v: '==' | '!=' | '!' | '(' | ')' | '[' | ']' | ',' };

const BARE = /^[A-Za-z0-9_.@:/+-]+/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if (c === '!' || c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0)
        throw new ConditionError(`unterminated quoted string starting at column ${i + 1}`);
      out.push({ t: 'word', v: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    const m = BARE.exec(text.slice(i));
    if (!m) throw new ConditionError(`unexpected character "${c}" at column ${i + 1}`);
    out.push({ t: 'word', v: m[0], quoted: false });
    i += m[0].length;
  }
  return out;
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false']);

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parse(): Condition {
    if (this.tokens.length === 0) throw new ConditionError('empty condition');
    const c = this.or();
    const rest = this.tokens[this.pos];
    if (rest) throw new ConditionError(`unexpected "${rest.v}" after a complete condition`);
    return c;
  }

  private peekWord(v: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === 'word' && !tok.quoted && tok.v === v;
  }

  private peekOp(v: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === 'op' && tok.v === v;
  }

  private or(): Condition {
    const conds = [this.and()];
    while (this.peekWord('or')) {
      this.pos++;
      conds.push(this.and());
    }
    return conds.length === 1 ? conds[0]! : { op: 'any', conds };
  }

  private and(): Condition {
    const conds = [this.unary()];
    while (this.peekWord('and')) {
      this.pos++;
      conds.push(this.unary());
    }
    return conds.length === 1 ? conds[0]! : { op: 'all', conds };
  }

  private unary(): Condition {
    if (this.peekWord('not') || this.peekOp('!')) {
      this.pos++;
      return { op: 'not', cond: this.unary() };
    }
    return this.primary();
  }

  private primary(): Condition {
    const tok = this.tokens[this.pos];
    if (!tok) throw new ConditionError(`"${this.text}" ends where a condition was expected`);
    if (tok.t === 'op' && tok.v === '(') {
      this.pos++;
      const c = this.or();
      if (!this.peekOp(')')) throw new ConditionError('missing ")"');
      this.pos++;
      return c;
    }
    if (tok.t !== 'word' || tok.quoted) {
      throw new ConditionError(`expected a profile field, found "${tok.v}"`);
    }
    this.pos++;
    if (tok.v === 'true' || tok.v === 'false') return { op: 'const', value: tok.v === 'true' };
    if (KEYWORDS.has(tok.v) || !PATH.test(tok.v)) {
      throw new ConditionError(
        `expected a profile field such as storage.backend, found "${tok.v}"`,
      );
    }
    const path = tok.v;
    if (this.peekOp('==') || this.peekOp('!=')) {
      const op = (this.tokens[this.pos] as { v: string }).v === '==' ? 'eq' : 'ne';
      this.pos++;
      return { op, path, value: this.literal() };
    }
    if (this.peekWord('in')) {
      this.pos++;
      if (!this.peekOp('['))
        throw new ConditionError(`"in" must be followed by a list: ${path} in [a, b]`);
      this.pos++;
      const values = [this.literal()];
      while (this.peekOp(',')) {
        this.pos++;
        values.push(this.literal());
      }
      if (!this.peekOp(']')) throw new ConditionError('missing "]" at the end of the list');
      this.pos++;
      return { op: 'in', path, values };
    }
    return { op: 'truthy', path };
  }

  private literal(): Literal {
    const tok = this.tokens[this.pos];
    if (!tok || tok.t !== 'word') {
      throw new ConditionError(`expected a value${tok ? `, found "${tok.v}"` : ' at the end'}`);
    }
    this.pos++;
    return tok.v;
  }
}

/** Parses the string form of a condition. Throws ConditionError. */
export function parseConditionText(text: string): Condition {
  return new Parser(tokenize(text), text).parse();
}

const YAML_KEYS = ['any', 'all', 'not'] as const;

/**
 * Parses a condition as written in the catalog (string, boolean, or any/all/not mapping) and
 * checks it against the profile fields. Throws ConditionError; `path` in the message is relative
 * to the condition (e.g. "any[1]: ...").
 */
export function parseCondition(raw: unknown): Condition {
  const cond = parseRaw(raw, '');
  checkAgainstProfile(cond);
  return cond;
}

function parseRaw(raw: unknown, where: string): Condition {
  const at = (msg: string) => new ConditionError(where ? `${where}: ${msg}` : msg);
  if (typeof raw === 'boolean') return { op: 'const', value: raw };
  if (typeof raw === 'string') {
    try {
      return parseConditionText(raw);
    } catch (e) {
      throw at((e as Error).message);
    }
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length !== 1) {
      throw at(
        `a condition mapping has exactly one key (any, all or not); found ${keys.length ? keys.join(', ') : 'none'}`,
      );
    }
    const key = keys[0]!;
    const value = (raw as Record<string, unknown>)[key];
    if (key === 'not') return { op: 'not', cond: parseRaw(value, where ? `${where}.not` : 'not') };
    if (key === 'any' || key === 'all') {
      if (!Array.isArray(value) || value.length === 0) {
        throw at(`"${key}" takes a non-empty list of conditions`);
      }
      return {
        op: key,
        conds: value.map((v, i) => parseRaw(v, `${where ? `${where}.` : ''}${key}[${i}]`)),
      };
    }
    const hint = closest(key, YAML_KEYS);
    throw at(
      `unknown condition key "${key}"${hint ? `; did you mean "${hint}"?` : ' (use any, all or not)'}`,
    );
  }
  throw at(
    'a condition is a string such as "storage.backend == rook-ceph", a boolean, or any/all/not',
  );
}

function checkAgainstProfile(cond: Condition): void {
  const fields = profileFields();
  const field = (path: string): FieldInfo => {
    const info = fields.get(path);
    if (info) return info;
    const hint = closest(path, [...fields.keys()]);
    throw new ConditionError(
      `unknown profile field "${path}"${hint ? `; did you mean "${hint}"?` : ''}`,
    );
  };
  const checkValue = (path: string, info: FieldInfo, value: Literal) => {
    if (info.type === 'enum' && info.values && !info.values.includes(value)) {
      const hint = closest(value, info.values);
      throw new ConditionError(
        `${path} is never "${value}": it is one of ${info.values.join(', ')}${hint ? `; did you mean "${hint}"?` : ''}`,
      );
    }
    if (info.type === 'boolean' && value !== 'true' && value !== 'false') {
      throw new ConditionError(`${path} is true or false, not "${value}"`);
    }
    if (info.type === 'number' && !Number.isFinite(Number(value))) {
      throw new ConditionError(`${path} is a number, not "${value}"`);
    }
    if (info.type === 'array' || info.type === 'object') {
      throw new ConditionError(
        `${path} is a ${info.type}: test it on its own ("${path}") for "is set"`,
      );
    }
  };
  switch (cond.op) {
    case 'const':
      return;
    case 'truthy':
      field(cond.path);
      return;
    case 'eq':
    case 'ne':
      checkValue(cond.path, field(cond.path), cond.value);
      return;
    case 'in': {
      const info = field(cond.path);
      for (const v of cond.values) checkValue(cond.path, info, v);
      return;
    }
    case 'not':
      checkAgainstProfile(cond.cond);
      return;
    case 'any':
    case 'all':
      cond.conds.forEach(checkAgainstProfile);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting and evaluation

function formatLiteral(v: Literal): string {
  if (BARE.exec(v)?.[0] === v && !KEYWORDS.has(v)) return v;
  // The tokenizer has no escapes: quote with the quote character the value does not contain.
  if (!v.includes('"')) return `"${v}"`;
  if (!v.includes("'")) return `'${v}'`;
  return JSON.stringify(v);
}

/** The canonical text of a condition; parseConditionText(formatCondition(c)) gives c back. */
export function formatCondition(cond: Condition): string {
  const inner = (c: Condition) =>
    c.op === 'any' || c.op === 'all' ? `(${formatCondition(c)})` : formatCondition(c);
  switch (cond.op) {
    case 'const':
      return String(cond.value);
    case 'truthy':
      return cond.path;
    case 'eq':
      return `${cond.path} == ${formatLiteral(cond.value)}`;
    case 'ne':
      return `${cond.path} != ${formatLiteral(cond.value)}`;
    case 'in':
      return `${cond.path} in [${cond.values.map(formatLiteral).join(', ')}]`;
    case 'not':
      return cond.cond.op === 'truthy' ? `!${cond.cond.path}` : `not ${inner(cond.cond)}`;
    case 'any':
      return cond.conds.map(inner).join(' or ');
    case 'all':
      return cond.conds.map(inner).join(' and ');
  }
}

export interface Evaluation {
  value: boolean;
  /** The profile facts that decided the value, e.g. "storage.backend is longhorn, not rook-ceph". */
  why: string;
}

/** The value at a dotted path of the profile, or undefined. */
export function valueAt(profile: unknown, path: string): unknown {
  let node: unknown = profile;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function isTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v.length > 0;
  return Boolean(v);
}

function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'not set';
  if (typeof v === 'string') return v === '' ? 'empty' : v;
  if (Array.isArray(v)) return v.length === 0 ? 'empty' : `[${v.map(String).join(', ')}]`;
  if (typeof v === 'object') return 'set';
  return String(v);
}

function equalsLiteral(actual: unknown, lit: Literal): boolean {
  if (typeof actual === 'boolean') return String(actual) === lit;
  if (typeof actual === 'number') return actual === Number(lit);
  return typeof actual === 'string' && actual === lit;
}

/** Evaluates a condition against a profile. Pure. */
export function evaluateCondition(cond: Condition, profile: unknown): Evaluation {
  switch (cond.op) {
    case 'const':
      return {
        value: cond.value,
        why: cond.value ? 'always' : 'the catalog turns it off',
      };
    case 'truthy': {
      const v = valueAt(profile, cond.path);
      return { value: isTruthy(v), why: `${cond.path} is ${describeValue(v)}` };
    }
    case 'eq': {
      const v = valueAt(profile, cond.path);
      const value = equalsLiteral(v, cond.value);
      const is = `${cond.path} is ${describeValue(v)}`;
      return { value, why: value ? is : `${is}, not ${cond.value}` };
    }
    case 'ne': {
      const v = valueAt(profile, cond.path);
      return { value: !equalsLiteral(v, cond.value), why: `${cond.path} is ${describeValue(v)}` };
    }
    case 'in': {
      const v = valueAt(profile, cond.path);
      const value = cond.values.some((lit) => equalsLiteral(v, lit));
      const is = `${cond.path} is ${describeValue(v)}`;
      return { value, why: value ? is : `${is}, not one of ${cond.values.join(', ')}` };
    }
    case 'not': {
      const inner = evaluateCondition(cond.cond, profile);
      return { value: !inner.value, why: inner.why };
    }
    case 'any':
    case 'all': {
      const results = cond.conds.map((c) => evaluateCondition(c, profile));
      const value =
        cond.op === 'any' ? results.some((r) => r.value) : results.every((r) => r.value);
      // The deciding facts: for "any", the true branches when true and every branch when false;
      // for "all", every branch when true and the false branches when false.
      const deciding = results.filter((r) => r.value === value);
      const whys = [...new Set(deciding.map((r) => r.why))];
      return { value, why: whys.join(' and ') };
    }
  }
}

/** The fields a condition reads, for documentation. */
export function conditionFields(cond: Condition): string[] {
  switch (cond.op) {
    case 'const':
      return [];
    case 'truthy':
    case 'eq':
    case 'ne':
    case 'in':
      return [cond.path];
    case 'not':
      return conditionFields(cond.cond);
    case 'any':
    case 'all':
      return [...new Set(cond.conds.flatMap(conditionFields))];
  }
}
