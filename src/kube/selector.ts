// Kubernetes label selectors, evaluated on the client. Node checks share one cluster-wide Node
// cache and match each check's selector locally instead of opening one watch per selector.
// Grammar (k8s.io/apimachinery/pkg/labels): comma-separated requirements of the forms
// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists) and `!k` (does not exist).

export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export class SelectorError extends Error {
  constructor(
    readonly selector: string,
    detail: string,
  ) {
    super(`invalid label selector "${selector}": ${detail}`);
    this.name = 'SelectorError';
  }
}

const KEY = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\/)?[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?`;
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const EXISTS = new RegExp(`^(${KEY})$`);
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Splits on commas outside parentheses: `a in (x,y),b` is two requirements. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}

export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === '') return [];
  return splitTopLevel(selector).map((raw) => {
    const part = raw.trim();
    let m = NOT_EXISTS.exec(part);
    if (m) return { key: m[1]!, op: 'notexists' };
    m = EQUALITY.exec(part);
    if (m) return { key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3]! };
    m = SET.exec(part);
    if (m) {
      const values = m[3]!.split(',').map((v) => v.trim());
      const bad = values.find((v) => !VALUE_ONLY.test(v));
      if (bad !== undefined) throw new SelectorError(selector, `"${bad}" is not a label value`);
      return { key: m[1]!, op: m[2] === 'in' ? 'in' : 'notin', values };
    }
    m = EXISTS.exec(part);
    if (m) return { key: m[1]!, op: 'exists' };
    throw new SelectorError(selector, part === '' ? 'empty requirement' : `cannot parse "${part}"`);
  });
}

export function matchesRequirements(
  requirements: readonly Requirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** Parses once; throws SelectorError for a malformed selector. */
export function labelMatcher(
  selector: string,
): (labels: Readonly<Record<string, string>> | undefined) => boolean {
  const reqs = parseLabelSelector(selector);
  return (labels) => matchesRequirements(reqs, labels);
}
