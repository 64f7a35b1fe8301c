// The live dashboard rendered from recorded journals (test/fixtures/journals, followed from a
// real file by the real store) in a fake terminal of a set size; keys sent as a terminal sends
// them. Viewer controls are the test's (they append to the journal as the engine would).
import { afterEach, describe, expect, it } from 'vitest';
import { renderTui, KEYS, type Rendered } from '../helpers/render';
import { DashboardApp } from '../../screens/dashboard/DashboardApp';
import { DASH_KEYMAP } from '../../screens/dashboard/keymap';
import {
  closeOpened,
  opened,
  testServices,
  type TestServices,
  type TestServicesOptions,
} from './dashboardServices';

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
];

afterEach(closeOpened);

async function dashboard(
  opts: TestServicesOptions,
  size = SIZES[0]!,
  control = false,
): Promise<{ r: Rendered; s: TestServices; exits: number[] }> {
  const s = testServices(opts);
  await s.ready();
  const exits: number[] = [];
  const r = await renderTui(
    <DashboardApp services={s} control={control} onExit={(c) => exits.push(c)} />,
    size,
  );
  opened.push({ r, s });
  return { r, s, exits };
}

function fitsTerminal(frame: string, size: { columns: number; rows: number }): void {
  const lines = frame.split('\n');
  expect(lines.length).toBe(size.rows - 1); // ink#450: one row short
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(size.columns);
}

describe('dashboard from recorded journals', () => {
  for (const size of SIZES) {
    const at = `${size.columns}x${size.rows}`;

    it(`running, read-only, at ${at}`, async () => {
      const { r } = await dashboard({ journal: 'running', engineAlive: true }, size);
      const f = await r.waitFor((x) => x.includes('controller1') && x.includes('READ-ONLY'));
      fitsTerminal(f, size);
      expect(f).toContain('RUNNING');
      expect(f).toContain('controlled by ubuntu@bastion (pid 4300) since 10:00:02 UTC');
      // how to take control: on the control line where it fits, always in the footer
      expect(f.split('\n').at(-1)).toContain('c take control');
      // grouped by stage, with progress per stage
      expect(f).toContain('Kubernetes 0/2');
      expect(f).toContain('bastion 1/1');
      // elapsed / expected (the catalog's), heartbeat, and the estimate
      expect(f).toMatch(/kubespray running · 7s \/ ~30m00s \(catalog\)/);
      expect(f).toMatch(/♥ Kubernetes \(Kubespray\): last output 5s ago/);
      expect(f).toMatch(/1\/4 phases · about 32m\d\ds left/);
      // the Ansible panel: play, task, hosts with counts and the task each is on
      expect(f).toContain('play Install Kubernetes');
      expect(f).toMatch(/controller1\s+3\s+2\s+0\s+0\s+0/);
      expect(f).toMatch(/compute1\s+2\s+1\s+0\s+0\s+0/);
      expect(f).toContain('3 tasks run');
    });

    it(`past the soft timeout at ${at}: taking longer than expected`, async () => {
      const { r } = await dashboard({ journal: 'running-slow', engineAlive: true }, size);
      const f = await r.waitFor((x) => x.includes('taking longer than expected'));
      fitsTerminal(f, size);
      expect(f).toMatch(/45m0\ds\/30m00s slow/);
      // a silent phase is visible: no output for 45 minutes
      expect(f).toMatch(/last output 45m0\ds ago \(silent/);
    });

    it(`failed, with the failure summary first, at ${at}`, async () => {
      const { r } = await dashboard({ journal: 'failed-host' }, size);
      const f = await r.waitFor((x) => x.includes('Failure') && x.includes('resume'));
      fitsTerminal(f, size);
      expect(f).toContain('FAILED');
      expect(f).toMatch(/✗ Kubernetes \(Kubespray\) \(kubespray\) failed, exit 2/);
      expect(f).toMatch(/compute1 failed at task "container-engine\/containerd : Download/);
      expect(f).toMatch(/hint: /);
      expect(f).toContain('genestack-installer deploy');
      expect(f).toContain('Read-only: press c to take control to retry, skip or abort.');
    });

    it(`completed, with the completion summary, at ${at}`, async () => {
      const { r } = await dashboard({ journal: 'success' }, size);
      const f = await r.waitFor((x) => x.includes('Deployment complete'));
      fitsTerminal(f, size);
      expect(f).toContain('SUCCEEDED');
      expect(f).toContain('4/4 phases · took');
      expect(f).toContain('phase durations (slowest first)');
      expect(f).toMatch(/10m00s\s+Kubernetes \(Kubespray\)/);
    });
  }

  it('a running journal whose engine is gone says so, and leaving gives exit 8', async () => {
    const { r, exits } = await dashboard({ journal: 'running', engineAlive: false });
    await r.waitFor((x) => x.includes('RUNNING (engine gone)'));
    await r.send('q');
    expect(exits).toEqual([8]);
  });

  it('a resumed run shows the phase’s attempt number', async () => {
    const { r } = await dashboard({ journal: 'interrupted-resumed' });
    await r.waitFor((x) => x.includes('SUCCEEDED'));
    await r.send('3', KEYS.up, KEYS.up); // log panel; ↑ moves the log cursor there
    await r.send('k', 'k');
    await r.waitFor((x) => x.includes('kubespray succeeded (attempt 2)'));
  });
});

describe('dashboard keys', () => {
  it('the footer and the help overlay come from the keymap table; any key closes the help', async () => {
    const { r } = await dashboard({ journal: 'running', engineAlive: true }, SIZES[1]);
    const f = await r.waitFor((x) => x.includes('controller1'));
    const footer = f.split('\n').at(-1)!;
    for (const b of DASH_KEYMAP.filter((b) => b.footer && b.context === 'all' && !b.needsControl)) {
      expect(footer).toContain(`${b.keys} ${b.hint}`);
    }
    await r.send('?');
    const h = await r.waitFor((x) => x.includes('Help: live deployment dashboard'));
    for (const b of DASH_KEYMAP.filter((b) => b.action === 'search' || b.action === 'skip')) {
      expect(h).toContain(b.description);
    }
    await r.send('x');
    await r.waitFor((x) => x.includes('controller1'));
  });

  it('Ctrl+C asks: stay keeps the dashboard, detach leaves with the run going on (exit 0)', async () => {
    const { r, exits } = await dashboard({ journal: 'running', engineAlive: true });
    await r.waitFor((x) => x.includes('controller1'));
    await r.send(KEYS.ctrlC);
    const d = await r.waitFor((x) => x.includes('Leave the dashboard?'));
    expect(d).toContain('d detach: the deployment goes on');
    expect(d).toContain('only the viewer in control can abort');
    await r.send('s');
    await r.waitFor((x) => x.includes('controller1'));
    expect(exits).toEqual([]);
    await r.send(KEYS.ctrlC, 'd');
    expect(exits).toEqual([0]);
  });

  it('q detaches with the run’s exit code (6: a phase failed)', async () => {
    const { r, exits } = await dashboard({ journal: 'failed-host' });
    await r.waitFor((x) => x.includes('resume'));
    await r.send('q');
    expect(exits).toEqual([6]);
  });

  it('read-only: retry is refused with how to take control; c + y takes control; then r retries', async () => {
    const { r, s } = await dashboard({ journal: 'failed-host' });
    await r.waitFor((x) => x.includes('resume'));
    await r.send('r');
    await r.waitFor((x) => x.includes('Read-only: press c to take control first'));
    expect(s.calls).not.toContain('retry');
    await r.send('c');
    await r.waitFor((x) => x.includes('Take control of this run?'));
    await r.send('y');
    await r.waitFor((x) => x.includes('CONTROL · you control this run since'));
    expect(s.calls).toContain('takeControl');
    const f = await r.waitFor((x) => x.includes('r retry the phase'));
    expect(f.split('\n').at(-1)).toMatch(/r retry · s skip/);
    await r.send('r');
    await r.waitFor((x) => x.includes('retrying'));
    expect(s.calls).toContain('retry');
  });

  it('skip asks first, naming what will run without the phase', async () => {
    const { r, s } = await dashboard({ journal: 'failed-host' }, SIZES[1], true);
    await r.waitFor((x) => x.includes('CONTROL · you control this run'));
    await r.send('s');
    const d = await r.waitFor((x) => x.includes('Skip the failed phase kubespray?'));
    expect(d).toContain('kube-ovn (Kube-OVN) will run without kubespray');
    expect(d).toContain(
      'secrets (OpenStack secrets) will run without kubespray, which it needs through kube-ovn',
    );
    await r.send('n');
    await r.waitFor((x) => !x.includes('Skip the failed phase'));
    expect(s.calls.some((c) => c.startsWith('skip'))).toBe(false);
    await r.send('s', 'y');
    await r.waitFor((x) => x.includes('skipping kubespray'));
    expect(s.calls).toContain('skip kubespray');
  });

  it('control: true announces the viewer as controlling; abort asks, then aborts', async () => {
    const { r, s } = await dashboard({ journal: 'running', engineAlive: true }, SIZES[0], true);
    await r.waitFor((x) => x.includes('CONTROL · you control this run'));
    expect(s.calls.slice(0, 2)).toEqual(['announce control', 'takeControl']);
    await r.send(KEYS.ctrlC, 'a');
    await r.waitFor((x) => x.includes('Abort the deployment?'));
    await r.send('y');
    await r.waitFor((x) => x.includes('abort requested'));
    expect(s.calls).toContain('abort');
  });

  it('announce: false (attach announced already) records no second viewer', async () => {
    const s = testServices({ journal: 'running', engineAlive: true });
    await s.ready();
    const r = await renderTui(
      <DashboardApp services={s} control={false} announce={false} onExit={() => {}} />,
    );
    opened.push({ r, s });
    await r.waitFor((x) => x.includes('controller1'));
    expect(s.calls).toEqual([]);
  });

  it('read-only by default: announced as read-only', async () => {
    const { r, s } = await dashboard({ journal: 'running', engineAlive: true });
    await r.waitFor((x) => x.includes('READ-ONLY'));
    expect(s.calls[0]).toBe('announce read-only');
  });

  it('↑/↓ select phases, Tab and 1-4 switch panels; a command phase shows its done-checks', async () => {
    const { r } = await dashboard({ journal: 'success' }, SIZES[1]);
    await r.waitFor((x) => x.includes('Deployment complete'));
    await r.send(KEYS.up); // from secrets to kube-ovn
    await r.send('1');
    const f = await r.waitFor((x) => x.includes('done-checks'));
    expect(f).toMatch(/✓ kube-ovn-pods-ready passing · 6\/6 pods ready/);
    expect(f).toContain('/opt/genestack/bin/kube-ovn.sh');
    await r.send(KEYS.tab);
    await r.waitFor(
      (x) => x.includes('namespace kube-system') && x.includes('No usable kubeconfig yet'),
    );
    await r.send(KEYS.tab);
    await r.waitFor((x) => x.includes('Happy Helming'));
  });

  it('follows resizes and shows the too-small screen', async () => {
    const { r } = await dashboard({ journal: 'running', engineAlive: true });
    await r.waitFor((x) => x.includes('controller1'));
    await r.resize(50, 12);
    await r.waitFor((x) => x.includes('Terminal too small: 50x12'));
    await r.resize(120, 40);
    const f = await r.waitFor((x) => x.includes('controller1'));
    fitsTerminal(f, { columns: 120, rows: 40 });
  });

  it('shows journal text through safeText: an escape sequence in a log line is made visible', async () => {
    const { r, s } = await dashboard({ journal: 'running', engineAlive: true });
    await r.waitFor((x) => x.includes('controller1'));
    s.append({
      type: 'log',
      phaseId: 'kubespray',
      stream: 'stdout',
      line: 'evil \u001b[2J\u001b]0;title\u0007 line',
    });
    await r.send('3');
    const f = await r.waitFor((x) => x.includes('evil'));
    expect(f).toContain('evil ␛[2J␛]0;title␇ line');
  });
});

describe('start-up', () => {
  it('draws the full dashboard once the start-up reads are in, not a frame per read', async () => {
    const s = testServices({ journal: 'running', engineAlive: true });
    await s.ready();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const facts = s.runFacts;
    s.runFacts = async () => {
      await held;
      return facts();
    };
    const r = await renderTui(<DashboardApp services={s} control={false} onExit={() => {}} />, {
      columns: 80,
      rows: 24,
    });
    opened.push({ r, s });
    await r.waitFor((x) => x.includes('Reading run'));
    expect(r.stdout.frames.some((f) => f.includes('READ-ONLY'))).toBe(false);
    release();
    await r.waitFor((x) => x.includes('READ-ONLY') && x.includes('controller1'));
    // one short frame while waiting, then the dashboard: never a partial dashboard first
    const full = r.stdout.frames.filter((f) => f.includes('READ-ONLY'));
    expect(full.length).toBeGreaterThan(0);
    expect(full[0]).toContain('controller1');
  });

  it('does not wait more than a moment for a read that never comes', async () => {
    const s = testServices({ journal: 'running', engineAlive: true });
    await s.ready();
    s.runFacts = () => new Promise(() => {});
    const r = await renderTui(<DashboardApp services={s} control={false} onExit={() => {}} />, {
      columns: 80,
      rows: 24,
    });
    opened.push({ r, s });
    await r.waitFor((x) => x.includes('READ-ONLY') && x.includes('controller1'));
  });
});
