// The callback plugin under the real ansible-playbook (Debian's ansible-core), against
// localhost over the local connection plus one host that cannot be reached, then its lines
// through ansibleEvents.ts, the journal writer and the reducer. No ansible-playbook: the test
// fails, it never skips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import plugin from '../../assets/callback/genestack_events.py';
import {
  ansibleLineToJournal,
  parseAnsibleEventLine,
  type AnsiblePluginEvent,
} from '../../src/journal/ansibleEvents';
import { JournalWriter } from '../../src/journal/writer';
import { Redactor } from '../../src/journal/redact';
import { phaseById } from '../../src/state/runState';

const SECRET = 'Kx7pQ2vLm9TzR4wB8nYc3HsD6fGj1Ae5';

const PLAYBOOK = `
- name: First play
  hosts: all
  gather_facts: false
  tasks:
    - name: succeed
      ansible.builtin.command: /bin/true
      changed_when: false
    - name: change
      ansible.builtin.command: /bin/true
    - name: skip
      ansible.builtin.command: /bin/true
      when: false
    - name: fail but ignored
      ansible.builtin.shell: echo oops-stderr >&2; exit 3
      ignore_errors: true
    - name: loop with a failing item
      ansible.builtin.shell: "echo item-{{ item }}-stderr >&2; exit {{ item }}"
      loop: [0, 4]
      ignore_errors: true
    - name: hidden failure
      ansible.builtin.shell: echo ${SECRET} >&2; exit 1
      no_log: true
      ignore_errors: true

- name: Second play
  hosts: all
  gather_facts: false
  tasks:
    - name: really fail
      ansible.builtin.shell: echo fatal-stderr >&2; exit 2
    - name: never reached
      ansible.builtin.command: /bin/true
`;

let dir: string;
let lines: string[];
let events: AnsiblePluginEvent[];
let stdout: string;
let exitCode: number | undefined;

beforeAll(async () => {
  // Fails (never skips) when ansible-playbook is missing.
  const version = await execa('ansible-playbook', ['--version']);
  expect(version.stdout).toMatch(/ansible-playbook \[core 2\.\d+/);

  dir = mkdtempSync(join(tmpdir(), 'gsi-callback-'));
  const pluginDir = join(dir, 'callback_plugins');
  mkdirSync(pluginDir);
  writeFileSync(join(pluginDir, 'genestack_events.py'), plugin);
  writeFileSync(
    join(dir, 'inventory.ini'),
    [
      'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3',
      // Nothing listens on port 1: the host is unreachable at once.
      'ghost ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh ansible_user=nobody',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'site.yml'), PLAYBOOK);
  const eventsFile = join(dir, 'events.jsonl');
  const res = await execa('ansible-playbook', ['-i', 'inventory.ini', 'site.yml'], {
    cwd: dir,
    reject: false,
    env: {
      ANSIBLE_CALLBACK_PLUGINS: pluginDir,
      ANSIBLE_CALLBACKS_ENABLED: 'genestack_events',
      GENESTACK_EVENTS_FILE: eventsFile,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_HOST_KEY_CHECKING: 'False',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
      ANSIBLE_SSH_ARGS: '-o ConnectTimeout=5 -o BatchMode=yes',
    },
  });
  stdout = res.stdout;
  exitCode = res.exitCode;
  lines = readFileSync(eventsFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  events = lines.map((l) => {
    const e = parseAnsibleEventLine(l);
    expect(e, l).not.toBeNull();
    return e!;
  });
});

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const results = (host: string) =>
  events.filter(
    (e): e is Extract<AnsiblePluginEvent, { event: 'host_result' }> =>
      e.event === 'host_result' && e.host === host,
  );
const result = (host: string, task: string) => {
  const r = results(host).find((e) => e.task === task);
  if (r === undefined) throw new Error(`no result for ${host} / ${task}`);
  return r;
};

describe('genestack_events callback plugin', () => {
  it('leaves stdout to the stdout callback (the phase log) and the exit code alone', () => {
    expect(exitCode).toBe(4); // ansible-playbook's code when a host was unreachable
    expect(stdout).toContain('PLAY RECAP');
    expect(stdout).toContain('TASK [really fail]');
  });

  it('writes one JSON object per line, in order', () => {
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(lines.every((l) => JSON.parse(l).v === 1)).toBe(true);
    expect(events[0]).toMatchObject({
      event: 'playbook_start',
      playbook: expect.stringMatching(/site\.yml$/),
    });
    expect(events.at(-1)?.event).toBe('stats');
    const plays = events.filter((e) => e.event === 'play_start');
    expect(plays).toEqual([
      { event: 'play_start', name: 'First play', hosts: ['localhost', 'ghost'] },
      { event: 'play_start', name: 'Second play', hosts: ['localhost', 'ghost'] },
    ]);
  });

  it('reports task starts with their play and index', () => {
    const tasks = events.filter((e) => e.event === 'task_start');
    expect(tasks.slice(0, 7).map((t) => [t.play, t.task])).toEqual([
      ['First play', 'succeed'],
      ['First play', 'change'],
      ['First play', 'skip'],
      ['First play', 'fail but ignored'],
      ['First play', 'loop with a failing item'],
      ['First play', 'hidden failure'],
      ['Second play', 'really fail'],
    ]);
    expect(tasks.map((t) => t.task_index)).toEqual(tasks.map((_, i) => i + 1));
    expect(tasks[0]).toMatchObject({ action: 'ansible.builtin.command' });
  });

  it('reports every host result: ok, changed, skipped, failed (ignored or not), unreachable', () => {
    expect(result('localhost', 'succeed').status).toBe('ok');
    expect(result('localhost', 'change').status).toBe('changed');
    expect(result('localhost', 'skip').status).toBe('skipped');
    expect(result('localhost', 'fail but ignored')).toMatchObject({
      status: 'failed',
      ignored: true,
      changed: true,
      rc: 3,
      msg: 'non-zero return code',
      stderr: 'oops-stderr',
    });
    expect(result('localhost', 'loop with a failing item')).toMatchObject({
      status: 'failed',
      ignored: true,
      msg: expect.stringContaining('(item 4)'),
      stderr: 'item-4-stderr',
    });
    const fatal = result('localhost', 'really fail');
    expect(fatal).toMatchObject({ status: 'failed', rc: 2, stderr: 'fatal-stderr' });
    expect(fatal.ignored).toBeUndefined();
    expect(results('localhost').find((r) => r.task === 'never reached')).toBeUndefined();
    const ghost = results('ghost');
    expect(ghost).toHaveLength(1);
    expect(ghost[0]).toMatchObject({
      task: 'succeed',
      status: 'unreachable',
      msg: expect.stringMatching(/ssh|connect/i),
    });
  });

  it('keeps what no_log hides hidden', () => {
    expect(result('localhost', 'hidden failure')).toMatchObject({
      status: 'failed',
      msg: expect.stringContaining('no_log'),
    });
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('reports the final stats', () => {
    const stats = events.at(-1) as Extract<AnsiblePluginEvent, { event: 'stats' }>;
    expect(stats.hosts.localhost).toEqual({
      ok: 5,
      changed: 4,
      failures: 1,
      skipped: 1,
      unreachable: 0,
      rescued: 0,
      ignored: 3,
    });
    expect(stats.hosts.ghost).toMatchObject({ unreachable: 1, ok: 0, failures: 0 });
  });

  it('becomes a journal the reducer turns into the host matrix', async () => {
    const runDir = join(dir, 'run');
    const w = await JournalWriter.open(runDir, { redactor: new Redactor([SECRET]) });
    w.append({
      type: 'run-started',
      runId: 'r',
      profileName: 'p',
      profileHash: 'h',
      plan: { phases: [{ id: 'site', title: 'Site', group: 'g', needs: [], kind: 'ansible' }] },
      user: 'u',
      host: 'h',
      pid: process.pid,
    });
    w.append({
      type: 'phase-started',
      phaseId: 'site',
      attempt: 1,
      argv: ['ansible-playbook', 'site.yml'],
      cwd: dir,
    });
    for (const l of stdout.split('\n'))
      w.append({ type: 'log', phaseId: 'site', stream: 'stdout', line: l });
    for (const l of lines) {
      const e = ansibleLineToJournal(l, 'site');
      expect(e, l).not.toBeNull();
      w.append(e!);
    }
    w.append({
      type: 'phase-finished',
      phaseId: 'site',
      status: 'failed',
      exitCode: 2,
      durationMs: 1,
    });
    w.close();
    const phase = phaseById(w.state, 'site')!;
    // The live counts end equal to Ansible's own recap.
    const recap = phase.ansible!.recap!.localhost!;
    const live = phase.ansible!.hosts.localhost!;
    expect([
      live.ok,
      live.changed,
      live.failed,
      live.skipped,
      live.unreachable,
      live.ignored,
    ]).toEqual([
      recap.ok,
      recap.changed,
      recap.failures,
      recap.skipped,
      recap.unreachable,
      recap.ignored,
    ]);
    expect(phase.ansible?.hosts.localhost).toMatchObject({
      ok: 5,
      changed: 4,
      skipped: 1,
      ignored: 3,
      failed: 1,
      unreachable: 0,
      active: false,
      firstError: { task: 'really fail', status: 'failed', stderr: 'fatal-stderr' },
    });
    expect(phase.ansible?.hosts.ghost).toMatchObject({
      unreachable: 1,
      firstError: { task: 'succeed', status: 'unreachable' },
    });
    expect(phase.ansible?.recap?.ghost).toMatchObject({ unreachable: 1 });
    expect(phase.logTail.some((l) => l.line.startsWith('PLAY RECAP'))).toBe(true);
    expect(readFileSync(w.path, 'utf8')).not.toContain(SECRET);
  });
});
