// The real TUI in a real pseudo-terminal: alternate screen entered and left, and the terminal
// restored, on every exit path the process can catch (quit, Ctrl+C, SIGTERM, SIGHUP, SIGINT, a
// crash). SIGKILL cannot be caught: the dead process cannot restore anything (docs/wizard.md:
// run `reset`). Also: resize, too-small screen, and the no-terminal explanation.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInPty } from '../helpers/pty';
import { runCli } from '../helpers/cli';

function env(): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gsi-e2e-'));
  return {
    GENESTACK_INSTALLER_STATE_DIR: path.join(dir, 'state'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  };
}

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

async function started() {
  const r = runInPty([], { env: env() });
  await r.waitForScreen('Start a new guided setup');
  expect(r.term.buffer.active.type).toBe('alternate');
  expect(r.output()).toContain(ENTER_ALT);
  return r;
}

function expectRestored(r: ReturnType<typeof runInPty>) {
  const out = r.output();
  expect(out.lastIndexOf(LEAVE_ALT)).toBeGreaterThan(out.indexOf(ENTER_ALT));
  expect(out.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(out.indexOf(ENTER_ALT));
  expect(r.term.buffer.active.type).toBe('normal');
}

describe('the full-screen wizard in a real terminal', () => {
  it('draws the home screen in the alternate screen, one row short of the terminal, and follows resizes', async () => {
    const r = await started();
    // ink#450: the frame ends on row 23 of 24 (the footer), the last row stays empty
    const lines = r.screen().split('\n');
    expect(lines[22]).toContain('Ctrl+C quit');
    expect(lines[23]?.trim()).toBe('');
    r.resize(100, 30);
    await r.waitFor(
      () => r.screen().split('\n')[28]?.includes('Ctrl+C quit') ?? false,
      'footer at row 29 after resize',
    );
    r.resize(50, 12);
    await r.waitForScreen('Terminal too small');
    r.resize(80, 24);
    await r.waitForScreen('Start a new guided setup');
    r.pty.write('\x03');
    expect((await r.exited).exitCode).toBe(0);
    expectRestored(r);
  });

  it('walks forward and back with the keyboard, keeping answers', async () => {
    const r = await started();
    r.pty.write('\r');
    await r.waitForScreen('Profile name');
    r.pty.write('my-lab');
    await r.waitForScreen('my-lab');
    r.pty.write('\x1b');
    await r.waitForScreen('Start a new guided setup');
    await r.waitForScreen('profile: my-lab');
    r.pty.write('\x1b[B');
    await r.waitForScreen('› Open a saved profile');
    r.pty.write('\x1b[A');
    await r.waitForScreen('› Start a new guided setup');
    r.pty.write('?');
    await r.waitForScreen('Help: Home');
    r.pty.write('x');
    // Ink 6 reads one chunk as one key: wait for each key's effect before the next.
    await r.waitForScreen('› Start a new guided setup');
    r.pty.write('\x03');
    await r.exited;
    expectRestored(r);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const) {
    it(`restores the terminal on ${signal}`, async () => {
      const r = await started();
      r.pty.kill(signal);
      const e = await r.exited;
      expect(e.exitCode).toBe(code);
      expectRestored(r);
    });
  }

  it('restores the terminal after a crash and reports it without drawing over it', async () => {
    const r = runInPty([], { env: { ...env(), GENESTACK_INSTALLER_TEST_CRASH: '1' } });
    const e = await r.exited;
    expect(e.exitCode).toBe(70);
    expectRestored(r);
    expect(r.screen()).toContain('internal error: crash requested');
  });

  it('SIGKILL cannot be caught: the terminal stays in the alternate screen (documented: run `reset`)', async () => {
    const r = await started();
    r.pty.kill('SIGKILL');
    await r.exited;
    expect(r.output()).not.toContain(LEAVE_ALT);
  });

  it('--profile FILE opens the wizard prefilled, on Review for a complete profile', async () => {
    const r = runInPty(['--profile', 'profiles/hyperconverged-lab.yaml', '--no-discover'], {
      cols: 100,
      rows: 30,
      env: env(),
    });
    await r.waitForScreen('Step 8/8: Review');
    expect(r.screen()).toContain('profile: hyperconverged-lab');
    r.pty.write('\x03');
    await r.exited;
    expectRestored(r);
  });

  it('without a terminal it never draws and says which commands to use', async () => {
    const res = await runCli([], { env: env() });
    expect(res.exitCode).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('needs a terminal');
    expect(res.stderr).toContain('genestack-installer deploy PROFILE --yes');
    expect(res.stderr).not.toContain('\x1b[');
  });

  it('with CI set in a real terminal it explains instead of drawing', async () => {
    const r = runInPty([], { env: { ...env(), CI: 'true' } });
    const e = await r.exited;
    expect(e.exitCode).toBe(2);
    expect(r.output()).not.toContain(ENTER_ALT);
    expect(r.output()).toContain('the CI environment variable is set');
  });
});
