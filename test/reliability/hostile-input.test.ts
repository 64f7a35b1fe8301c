// Hostile input (issue 7): profile strings and command-line host names that try shell injection,
// path traversal, terminal escape sequences or huge sizes. Through the built bundle, as an
// operator would run it: `validate` (text and --json), `plan`, `config` and `discover` must
// refuse them with findings or errors, never execute them (a canary file must never appear),
// never write outside the folder they were given, and never print a raw control character that
// came from the input. `ssh` on the PATH is a stand-in that records every call: hostile names
// must be refused before any connection (and no address outside loopback is ever tried).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { BUNDLE, REPO } from '../helpers/cli';
import { findingsJson, formatFinding } from '../../src/profile/format';
import { loadProfileText } from '../../src/profile/load';

let dir: string;
let canary: string;
let sshCalls: string;
let bin: string;

/** Every hostile string, each carrying the canary's path where it tries to run a command. */
function hostile(c: string): Record<string, string> {
  return {
    subshell: `$(touch ${c})`,
    backticks: `\`touch ${c}\``,
    semicolon: `a; touch ${c}`,
    newline: `a\ntouch ${c}`,
    pipe: `a | touch ${c}`,
    traversal: '../../etc',
    clear: 'evil\u001b[2Jmark',
    osc52: 'evil\u001b]52;c;ZXZpbA==\u0007mark',
    title: 'evil\u001b]0;PWNED\u0007mark',
    c1: 'evil\u009b2Jmark',
    bidi: 'evil\u202emark',
    nul: 'evil\u0000mark',
  };
}

// What must never reach the output: a control character other than newline (a tab is shown
// as spaces), DEL, C1, bidirectional overrides.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const sample = () => parse(readFileSync(join(REPO, 'profiles/hyperconverged-lab.yaml'), 'utf8'));

async function cli(args: string[]) {
  const r = await execa(process.execPath, [BUNDLE, ...args], {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    env: {
      NO_COLOR: '1',
      PATH: `${bin}:${process.env.PATH}`,
      GENESTACK_INSTALLER_STATE_DIR: join(dir, 'state'),
    },
    timeout: 60_000,
  });
  return { exitCode: r.exitCode ?? -1, out: String(r.stdout) + String(r.stderr) };
}

/** `validate` of the sample with `n` generated hosts; how long it took. */
async function validateHosts(n: number) {
  const doc = sample();
  doc.hosts = Array.from({ length: n }, (_, i) => ({
    name: `n${i}.example.com`,
    address: `10.0.${(i >> 8) & 255}.${i & 255}`,
  }));
  const file = join(dir, `p-hosts-${n}.yaml`);
  writeFileSync(file, stringify(doc));
  const t0 = Date.now();
  const r = await cli(['validate', file]);
  return { ...r, ms: Date.now() - t0 };
}

function expectHarmless(out: string, what: string) {
  const m = out.match(RAW_CONTROL);
  expect(
    m,
    `${what} printed a raw control character U+${m?.[0].codePointAt(0)?.toString(16)}`,
  ).toBeNull();
  expect(existsSync(canary), `${what} executed input`).toBe(false);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-hostile-'));
  canary = join(dir, 'CANARY');
  sshCalls = join(dir, 'ssh-calls');
  bin = join(dir, 'bin');
  mkdirSync(bin);
  // The stand-in ssh records its argv and fails like an unreachable host.
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${sshCalls}'\nexit 255\n`);
  chmodSync(join(bin, 'ssh'), 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile profile strings', () => {
  // Each hostile string in each place a profile names something.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document
  const places: Array<[string, (doc: any, v: string) => void, RegExp]> = [
    ['hosts[0].name', (d, v) => (d.hosts[0].name = v), /host-name-invalid|text-control-character/],
    [
      'network.managementInterface',
      (d, v) => (d.network.managementInterface = v),
      /interface-name-invalid|text-control-character/,
    ],
    [
      'network.providerInterface',
      (d, v) => (d.network.providerInterface = v),
      /interface-name-invalid|text-control-character/,
    ],
    [
      'genestack.configDir',
      (d, v) => ((d.genestack ??= {}).configDir = v),
      /path-unsafe|text-control-character/,
    ],
    ['metadata.name', (d, v) => (d.metadata.name = v), /text-control-character|wrong-format|\[/],
    [
      'network.gateway.domain',
      (d, v) => (d.network.gateway.domain = v),
      /gateway-domain-invalid|text-control-character/,
    ],
  ];

  it('are refused with the rule that names them, and shown harmlessly (every place, every kind)', () => {
    // In-process, the same code as `validate` and `validate --json` (the matrix is large).
    for (const [where, set, rule] of places) {
      for (const [kind, value] of Object.entries(hostile(canary))) {
        const doc = sample();
        set(doc, value);
        const what = `${where} = ${kind}`;
        const r = loadProfileText(stringify(doc));
        const text = r.findings.map((f) => formatFinding(f, 'p.yaml')).join('\n');
        const json = JSON.stringify(findingsJson('p.yaml', r.valid, r.findings));
        // JSON escapes C0 controls itself; C1 and bidi characters it leaves raw.
        expectHarmless(
          text +
            JSON.parse(json)
              .findings.map((f: { message: string }) => f.message)
              .join(''),
          what,
        );
        if (r.valid) {
          // Accepted: only free text in the profile's name, where it is only ever shown.
          expect(RAW_CONTROL.test(value), `accepted ${what}`).toBe(false);
          expect(where, `accepted ${what}`).toBe('metadata.name');
          continue;
        }
        expect(r.findings.map((f) => f.rule).join(' '), what).toMatch(rule);
      }
    }
  });

  it('are refused by the built CLI: validate, validate --json, plan, config write nothing and run nothing', async () => {
    // A sample of the kinds (the in-process matrix above has them all), to keep the suite short.
    const kinds = ['subshell', 'backticks', 'traversal', 'title', 'c1'];
    const all = hostile(canary);
    for (const kind of kinds) {
      const doc = sample();
      doc.hosts[0].name = all[kind]!;
      doc.network.providerInterface = all[kind]!;
      const file = join(dir, `p-${kind}.yaml`);
      writeFileSync(file, stringify(doc));

      const v = await cli(['validate', file]);
      expectHarmless(v.out, `validate (${kind})`);
      expect(v.exitCode, v.out).toBe(1);
      expect(v.out).toMatch(/hosts\[0\]\.name: .*\[(host-name-invalid|text-control-character)\]/);
      expect(v.out).toMatch(
        /network\.providerInterface: .*\[(interface-name-invalid|text-control-character)\]/,
      );

      const j = await cli(['validate', file, '--json']);
      expectHarmless(j.out, `validate --json (${kind})`);
      expect(JSON.parse(j.out).valid).toBe(false);

      const p = await cli(['plan', file]);
      expectHarmless(p.out, `plan (${kind})`);
      expect(p.exitCode).toBe(1);

      const out = join(dir, 'out');
      const c = await cli(['config', file, '--out', out]);
      expectHarmless(c.out, `config (${kind})`);
      expect(c.exitCode).toBe(1);
      expect(existsSync(out), `config wrote for ${kind}`).toBe(false);
    }
    // Nothing was written beside the profiles (no traversal, no file named by the input).
    expect(
      readdirSync(dir)
        .filter((f) => !f.startsWith('p-'))
        .sort(),
    ).toEqual(['bin']);
  });

  it('path traversal in configDir is refused before anything is written', async () => {
    const base = join(dir, 'cfg', 'a', 'b');
    mkdirSync(base, { recursive: true });
    for (const configDir of [`${base}/../../../escaped`, 'relative/dir', `${base}/../../x`]) {
      const doc = sample();
      doc.genestack = { ...(doc.genestack ?? {}), configDir };
      const file = join(dir, 'p-traversal.yaml');
      writeFileSync(file, stringify(doc));
      const c = await cli(['config', file]);
      expect(c.exitCode, c.out).toBe(1);
      expect(c.out).toMatch(/genestack\.configDir: .*path-unsafe/);
      expect(existsSync(join(dir, 'escaped'))).toBe(false);
      expect(existsSync(join(dir, 'cfg', 'x'))).toBe(false);
      expect(existsSync(join(dir, 'relative'))).toBe(false);
    }
  });

  it('huge sizes: refused quickly, with bounded output', async () => {
    // 1 MiB in one host name: over the profile size limit.
    const big = sample();
    big.hosts[0].name = 'a'.repeat(1 << 20);
    writeFileSync(join(dir, 'p-huge-name.yaml'), stringify(big));
    const a = await cli(['validate', join(dir, 'p-huge-name.yaml')]);
    expect(a.exitCode).toBe(1);
    expect(a.out).toMatch(/yaml-too-large/);

    // A name just under the limit: refused, and the message shows only the start of it.
    const near = sample();
    near.hosts[0].name = `${'\u001b[2J'.repeat(10)}${'b'.repeat(900_000)}`;
    writeFileSync(join(dir, 'p-near-name.yaml'), stringify(near));
    const b = await cli(['validate', join(dir, 'p-near-name.yaml')]);
    expectHarmless(b.out, 'validate (900 kB name)');
    expect(b.exitCode).toBe(1);
    expect(b.out.length).toBeLessThan(20_000);

    // 100,000 hosts: far over the size limit.
    const many = await validateHosts(100_000);
    expect(many.exitCode).toBe(1);
    expect(many.out).toMatch(/yaml-too-large/);
    expect(many.ms).toBeLessThan(30_000);

    // As many hosts as fit in 1 MiB (19,000): validated by every rule, not hung.
    const fit = await validateHosts(19_000);
    expectHarmless(fit.out, 'validate (19,000 hosts)');
    expect(fit.out).toMatch(/: valid \(0 errors, 19000 warnings\)/);
    expect(fit.exitCode).toBe(0);
    expect(fit.ms).toBeLessThan(45_000);
  });
});

describe('hostile host names on the command line', () => {
  it('discover refuses them before connecting, and prints them harmlessly', async () => {
    for (const [kind, value] of Object.entries(hostile(canary))) {
      if (kind === 'nul') continue; // an argv cannot hold NUL
      const r = await cli(['discover', value, '--timeout', '5']);
      expectHarmless(r.out, `discover (${kind})`);
      expect(r.exitCode, `${kind}: ${r.out}`).not.toBe(0);
    }
    const calls = existsSync(sshCalls) ? readFileSync(sshCalls, 'utf8') : '';
    expect(calls).toBe('');
  });
});
