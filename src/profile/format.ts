// How findings are shown: one line each, compiler style (file:line:col), then the fix.
import { safeText } from '../terminal/sanitize';
import type { Finding } from './findings';

/**
 * A finding's texts quote profile values (names, keys, paths): made terminal-safe here, the one
 * place every finding passes on its way to a terminal or a --json consumer.
 */
function safeFinding(f: Finding): Finding {
  const clean = (t: string) =>
    t
      .split('\n')
      .map((l) => safeText(l))
      .join('\n');
  return { ...f, path: clean(f.path), message: clean(f.message), fix: clean(f.fix) };
}

export function formatFinding(finding: Finding, file: string): string {
  const f = safeFinding(finding);
  const pos = f.line !== undefined ? `${file}:${f.line}:${f.column ?? 1}` : file;
  const where = f.path ? ` ${f.path}:` : '';
  return `${pos}: ${f.severity}:${where} ${f.message} [${f.rule}]\n    fix: ${f.fix}`;
}

export function summarize(findings: readonly Finding[]): string {
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const warnings = count('warning');
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** The machine-readable form of a validation, for --json. */
export function findingsJson(file: string, valid: boolean, findings: readonly Finding[]) {
  return {
    file,
    valid,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    findings: findings.map((f) => ({ ...safeFinding(f), file })),
  };
}
