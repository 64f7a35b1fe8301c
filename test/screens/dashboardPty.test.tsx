// runDashboard in a real pseudo-terminal (node-pty, mirrored into a headless xterm): the
// alternate screen, the exit code when the viewer leaves, and the terminal restored on q and on
// SIGTERM. The entry is bundled with the same loaders as the real bundle (assets as text).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';
import { FIXTURES } from './dashboardServices';

const RUN_ID = '20250115-100000-lab';
let work: string;
let entry: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'gsi-dash-pty-'));
  entry = path.join(work, 'dashboard.mjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'runDashboardMain.tsx')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    loader: { '.sh': 'text', '.py': 'text', '.yaml': 'text', '.txt': 'text' },
    define: { 'process.env.DEV': '"false"', __INSTALLER_VERSION__: '"test"' },
    plugins: [
      {
        name: 'devtools-stub',
        setup(b) {
          b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
            path: 'x',
            namespace: 'stub',
          }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export default {};',
            loader: 'js',
          }));
        },
      },
    ],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function start(journal: string) {
  const stateDir = path.join(work, `state-${journal}`);
  mkdirSync(path.join(stateDir, 'runs', RUN_ID), { recursive: true });
  copyFileSync(
    path.join(FIXTURES, `${journal}.jsonl`),
    path.join(stateDir, 'runs', RUN_ID, 'events.jsonl'),
  );
  const term = new xterm.Terminal({ cols: 100, rows: 30, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
  env.TERM = 'xterm-256color';
  const pty: IPty = spawn(process.execPath, [entry, stateDir, RUN_ID], {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    env,
  });
  let raw = '';
  pty.onData((d) => {
    raw += d;
    term.write(d);
  });
  const exited = new Promise<number>((r) => pty.onExit((e) => r(e.exitCode)));
  const screen = () => {
    const b = term.buffer.active;
    return Array.from(
      { length: term.rows },
      (_, i) => b.getLine(b.viewportY + i)?.translateToString(true) ?? '',
    ).join('\n');
  };
  const waitFor = async (cond: () => boolean, what: string) => {
    const end = Date.now() + 20_000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { pty, term, raw: () => raw, screen, waitFor, exited };
}

describe('runDashboard in a real terminal', () => {
  it('draws in the alternate screen; q leaves it restored, with the run’s exit code (6)', async () => {
    const t = start('failed-host');
    await t.waitFor(
      () => t.screen().includes('FAILED') && t.screen().includes('Read-only: press c'),
      'the dashboard',
    );
    expect(t.term.buffer.active.type).toBe('alternate');
    t.pty.write('q');
    expect(await t.exited).toBe(6);
    await t.waitFor(() => t.raw().includes('\x1b[?1049l'), 'the screen left');
    expect(t.raw().lastIndexOf('\x1b[?25h')).toBeGreaterThan(t.raw().lastIndexOf('\x1b[?25l'));
    await t.waitFor(() => t.term.buffer.active.type === 'normal', 'the normal buffer');
  });

  it('SIGTERM restores the terminal and exits 143', async () => {
    const t = start('running');
    await t.waitFor(() => t.screen().includes('RUNNING'), 'the dashboard');
    t.pty.kill('SIGTERM');
    expect(await t.exited).toBe(143);
    await t.waitFor(() => t.term.buffer.active.type === 'normal', 'the normal buffer');
  });
});
