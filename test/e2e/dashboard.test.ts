// `attach RUN` on a terminal: the built bundle in a real pseudo-terminal draws the dashboard of a
// recorded, finished run (a journal fixture written by the real JournalWriter, copied into a run
// folder of a temporary state directory) in the alternate screen; `q` leaves it with the terminal
// restored and the run's exit code. No engine runs: the viewer only reads.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInPty } from '../helpers/pty';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/journals');
const RUN_ID = '20250115-100000-0a1b';

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/** A state directory holding one finished run whose journal is the named fixture. */
function stateDirWith(fixture: string): { stateDir: string; journal: string } {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'gsi-dash-e2e-'));
  const runDir = path.join(stateDir, 'runs', RUN_ID);
  mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const journal = path.join(runDir, 'events.jsonl');
  copyFileSync(path.join(FIXTURES, `${fixture}.jsonl`), journal);
  return { stateDir, journal };
}

function attach(stateDir: string) {
  return runInPty(['attach', RUN_ID, '--state-dir', stateDir], {
    cols: 120,
    rows: 36,
    env: { XDG_CONFIG_HOME: path.join(stateDir, 'config') },
  });
}

function expectRestored(r: ReturnType<typeof runInPty>) {
  const out = r.output();
  expect(out.indexOf(ENTER_ALT)).toBeGreaterThanOrEqual(0);
  expect(out.lastIndexOf(LEAVE_ALT)).toBeGreaterThan(out.indexOf(ENTER_ALT));
  expect(out.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(out.indexOf(ENTER_ALT));
  expect(r.term.buffer.active.type).toBe('normal');
}

describe('attach on a terminal shows the dashboard', () => {
  it('draws a finished run full screen, and q leaves with the terminal restored', async () => {
    const { stateDir, journal } = stateDirWith('openstack-done');
    const before = readFileSync(journal, 'utf8');
    const r = attach(stateDir);
    // The whole run replayed: its final status, every phase done, the last phase listed.
    await r.waitFor(
      () =>
        r.screen().includes('SUCCEEDED') &&
        r.screen().includes('9/9 phases') &&
        r.screen().includes('Write clouds.yaml'),
      'the finished run in the dashboard',
    );
    expect(r.term.buffer.active.type).toBe('alternate');
    // Not the plain status text `attach` prints without a terminal.
    expect(r.screen()).not.toContain('following (');
    expect(r.screen()).toContain('q detach');
    r.pty.write('q');
    expect((await r.exited).exitCode).toBe(0);
    expectRestored(r);
    // A viewer never writes the journal (and no engine runs to journal its attach).
    expect(readFileSync(journal, 'utf8')).toBe(before);
  });

  it("leaves a failed run's dashboard with the run's exit code", async () => {
    const { stateDir } = stateDirWith('failed-host');
    const r = attach(stateDir);
    await r.waitForScreen('FAILED');
    expect(r.term.buffer.active.type).toBe('alternate');
    r.pty.write('q');
    // 6: a phase failed (the same code `status` and the plain follower give).
    expect((await r.exited).exitCode).toBe(6);
    expectRestored(r);
  });
});
