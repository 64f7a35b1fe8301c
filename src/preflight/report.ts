// The human form of a preflight report: per host a table of its checks (status, check,
// message) with the fix under each one that did not pass, then a summary. Every text that came
// from a host or the profile goes through safeText.
import { safeText } from '../terminal/sanitize';
import type { CheckStatus, PreflightCheck, PreflightReport } from './types';

/** The report's file in a deploy's run folder (the support bundle collects it). */
export const PREFLIGHT_FILE = 'preflight.json';

const COLOUR: Record<CheckStatus, number> = { pass: 32, warning: 33, fail: 31 };

function label(c: PreflightCheck): string {
  return c.subject ? `${c.id} ${c.subject.replace(/^\/dev\/disk\/by-id\//, '')}` : c.id;
}

export function formatReport(report: PreflightReport, colour = false): string {
  const paint = (s: string, status: CheckStatus) =>
    colour ? `\x1b[${COLOUR[status]}m${s}\x1b[0m` : s;
  const width = Math.max(
    12,
    ...report.hosts.flatMap((h) => h.checks.map((c) => safeText(label(c), 60).length)),
  );
  const out: string[] = [];
  for (const h of report.hosts) {
    out.push(`${safeText(h.host, 253)} (${safeText(h.address, 64)}): ${paint(h.status, h.status)}`);
    for (const c of h.checks) {
      out.push(
        `  ${paint(c.status.padEnd(7), c.status)}  ${safeText(label(c), 60).padEnd(width)}  ${safeText(c.message, 1000)}`,
      );
      if (c.status !== 'pass' && c.fix) {
        out.push(`  ${' '.repeat(7)}  ${' '.repeat(width)}  fix: ${safeText(c.fix, 1000)}`);
      }
    }
    out.push('');
  }
  const s = report.summary;
  const failing = report.hosts.filter((h) => h.status === 'fail').length;
  const warned = report.hosts.filter((h) => h.status === 'warning').length;
  out.push(
    `preflight (${report.level}): ${s.hosts} host(s): ${s.hosts - failing - warned} pass, ${warned} with warnings, ${failing} failing; checks: ${s.pass} pass, ${s.warning} warning, ${s.fail} fail`,
  );
  out.push(
    report.status === 'fail'
      ? 'result: FAIL — fix the failing checks above; a deploy stops here before changing anything'
      : report.status === 'warning'
        ? 'result: pass with warnings'
        : 'result: pass',
  );
  return out.join('\n') + '\n';
}
