// Shared by benchmarks: replace one "## Title" section of docs/benchmarks.md, leaving the
// others as they are (several benchmarks write to the same file).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function writeBenchSection(title: string, body: string): void {
  const file = new URL('../docs/benchmarks.md', import.meta.url);
  // Read right before writing: another benchmark may have written its section meanwhile.
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const section = `## ${title}\n\n${body.trim()}\n`;
  const heading = new RegExp(`^## ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm');
  const start = text.search(heading);
  let out: string;
  if (start < 0) {
    out = `${text.trimEnd()}\n\n${section}`;
  } else {
    const rest = text.slice(start + 1);
    const next = rest.search(/^## /m);
    out =
      next < 0
        ? `${text.slice(0, start)}${section}`
        : `${text.slice(0, start)}${section}\n${text.slice(start + 1 + next)}`;
  }
  writeFileSync(file, out.endsWith('\n') ? out : `${out}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
