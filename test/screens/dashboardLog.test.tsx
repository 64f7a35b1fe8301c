// The log panel: follows the tail, scrolls back past the journal's 200-line tail into the phase's
// log file, searches (/ then n/N), filters to errors, shows a long line whole, and renders only
// the rows it shows.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderTui, KEYS } from '../helpers/render';
import { DashboardApp } from '../../screens/dashboard/DashboardApp';
import { LogPane } from '../../components/LogPane';
import type { LogEntry } from '../../screens/dashboard/logView';
import { INITIAL_LOG_VIEW, logWindow } from '../../screens/dashboard/logView';
import { closeOpened, opened, testServices } from './dashboardServices';

afterEach(closeOpened);

const LONG = `LONGLINE ${'x'.repeat(400)} END-OF-LONG-LINE`;

function lineText(i: number): string {
  if (i === 50 || i === 700) return `needle ${i}`;
  if (i === 990) return LONG;
  if (i % 100 === 37) return `fatal: [node-${i}]: FAILED! => error ${i}`;
  return `ok: [node] line ${i}`;
}

/** The running fixture plus 1000 kubespray lines, in the journal and in logs/kubespray.log. */
async function withLongLog(size = { columns: 120, rows: 40 }) {
  const s = testServices({ journal: 'running', engineAlive: true });
  await s.ready();
  const file = path.join(s.runDir, 'logs', 'kubespray.log');
  const before = s.store.getSnapshot().state.phases.find((p) => p.id === 'kubespray')!;
  // The file as the engine writes it: the installer's note, then every line of the phase.
  writeFileSync(
    file,
    '# genestack-installer: attempt 1 started 2025-01-15T10:00:01.450Z\n' +
      before.logTail.map((l) => l.line + '\n').join(''),
  );
  const lines = Array.from({ length: 1000 }, (_, i) => lineText(i));
  appendFileSync(file, lines.map((l) => l + '\n').join(''));
  s.append(
    ...lines.map((line) => ({
      type: 'log' as const,
      phaseId: 'kubespray',
      stream: 'stdout' as const,
      line,
    })),
  );
  await s.ready();
  const r = await renderTui(<DashboardApp services={s} control={false} onExit={() => {}} />, size);
  opened.push({ r, s });
  await r.waitFor((x) => x.includes('controller1'));
  await r.send('3');
  await r.waitFor((x) => x.includes('line 999'));
  return { r, s, firstLine: before.logTail[0]!.line, total: before.logLines + 1000 };
}

describe('log panel', () => {
  it('follows the newest lines and renders only the rows that fit', async () => {
    const { r, total } = await withLongLog();
    const f = r.lastFrame();
    expect(f).toContain('following');
    expect(f).toContain(`${total} lines`);
    expect(f).not.toContain('line 900');
    expect(f).toContain('older lines: PgUp/g loads them from the log file');
    // the frame never grows past the terminal, whatever the log holds
    expect(f.split('\n').length).toBe(39);
  });

  it('scrolls back with ↑ and PgUp, past the journal tail into the log file (g: first line)', async () => {
    const { r, firstLine } = await withLongLog();
    await r.send(KEYS.up);
    await r.waitFor((x) => x.includes('scrolled (G follows)'));
    await r.send(KEYS.pageUp, KEYS.pageUp);
    await r.waitFor((x) => x.includes('line 940') && !x.includes('line 999'));
    await r.send('g');
    const top = await r.waitFor(
      (x) => x.includes(firstLine.slice(0, 30)),
      'the first line, read from the file',
    );
    expect(top).toMatch(/\s1 PLAY \[/); // line number 1
    expect(top).not.toContain('genestack-installer: attempt'); // the installer's notes are left out
    expect(top).not.toContain('older lines');
    await r.send('G');
    await r.waitFor((x) => x.includes('line 999') && x.includes('following'));
  });

  it('searches with / then n (older) and N (newer), across the file', async () => {
    const { r } = await withLongLog();
    await r.send('g', 'G'); // reads the file, back to the end
    await r.send('/');
    await r.waitFor((x) => x.includes('(Enter finds, Esc cancels)'));
    await r.type('needle');
    await r.send(KEYS.enter);
    let f = await r.waitFor((x) => x.includes('search "needle" (n/N)'));
    expect(f).toContain('needle 700');
    expect(f).not.toContain('needle 50');
    await r.send('n');
    f = await r.waitFor((x) => x.includes('needle 50'));
    expect(f).not.toContain('needle 700');
    await r.send('N');
    await r.waitFor((x) => x.includes('needle 700'));
    await r.send('/');
    await r.type('no such text');
    await r.send(KEYS.enter);
    await r.waitFor((x) => x.includes('"no such text" not found'));
  });

  it('e shows only error lines, e again every line', async () => {
    const { r } = await withLongLog();
    await r.send('g', 'G');
    await r.send('e');
    const f = await r.waitFor((x) => x.includes('errors only'));
    expect(f).toContain('FAILED! => error 937');
    expect(f).not.toContain('ok: [node] line');
    expect(f).toMatch(/errors only: 10 lines/);
    await r.send('e');
    await r.waitFor((x) => x.includes('ok: [node] line 999'));
  });

  it('a long line is cut to the width; Enter shows it whole', async () => {
    const { r } = await withLongLog();
    await r.send('/');
    await r.type('LONGLINE');
    await r.send(KEYS.enter);
    const cut = await r.waitFor((x) => x.includes('LONGLINE xxx'));
    expect(cut).not.toContain('END-OF-LONG-LINE');
    await r.send(KEYS.enter);
    const whole = await r.waitFor((x) => x.includes('in full'));
    expect(whole).toContain(`(${LONG.length} characters)`);
    expect(whole).toContain('END-OF-LONG-LINE');
    await r.send(KEYS.enter);
    await r.waitFor((x) => !x.includes('in full'));
  });
});

describe('LogPane', () => {
  it('reads only the rows of its window from 100,000 entries', async () => {
    const reads = new Set<number>();
    const backing: LogEntry[] = Array.from({ length: 100_000 }, (_, i) => ({
      n: i + 1,
      text: `entry ${i + 1}`,
      stderr: false,
    }));
    const entries = new Proxy(backing, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.add(Number(prop));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const height = 12;
    const win = logWindow(entries, INITIAL_LOG_VIEW, height - 1);
    const r = await renderTui(
      <LogPane
        entries={entries}
        window={win}
        width={60}
        height={height}
        following
        errorsOnly={false}
        query={null}
        typing={null}
        notFound={false}
        expanded={false}
        total={100_000}
        olderMissing={false}
      />,
      { columns: 80, rows: 24 },
    );
    const f = await r.waitFor((x) => x.includes('entry 100000'));
    expect(f).toContain('entry 99990');
    expect(f).not.toContain('entry 99989');
    expect(reads.size).toBeLessThanOrEqual(height);
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(100_000 - height);
    r.unmount();
  });
});
