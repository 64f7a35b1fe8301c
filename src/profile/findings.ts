// A finding is one thing validation has to say about a profile: where, what, and how to fix it.

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** Stable identifier of the rule, e.g. `etcd-odd`; tests and --json consumers rely on it. */
  rule: string;
  /** Profile path such as `hosts[2].address`; empty for the file as a whole. */
  path: string;
  message: string;
  fix: string;
  /** 1-based position in the YAML source, filled in by the loader when known. */
  line?: number;
  column?: number;
}

export type PathSegment = string | number;

/** `['hosts', 2, 'address']` -> `hosts[2].address` */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

/** `hosts[2].address` -> `['hosts', 2, 'address']` */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then by position in the file, then by path. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      (a.line ?? Infinity) - (b.line ?? Infinity) ||
      a.path.localeCompare(b.path),
  );
}
