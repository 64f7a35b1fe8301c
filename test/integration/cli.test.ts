// The built bundle, run as an operator would: validate, config, help, version, usage errors.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLE, REPO, runCli } from '../helpers/cli';

describe('validate', () => {
  it('accepts each sample profile with exit 0', async () => {
    for (const name of ['hyperconverged-lab', 'hyperconverged-ceph', 'full-scale']) {
      const r = await runCli(['validate', `profiles/${name}.yaml`]);
      expect(r.stdout).toContain(`profiles/${name}.yaml: valid`);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
  });

  it('names field, line, column and fix for each error, and exits 1', async () => {
    const file = 'test/fixtures/profiles/broken-network.yaml';
    const r = await runCli(['validate', file]);
    expect(r.exitCode).toBe(1);
    // the misspelt key, on line 12 column 5, with the suggestion
    expect(r.stdout).toMatch(
      /broken-network\.yaml:12:5: error: hosts\[2\]\.adress: unknown key "adress" in hosts\[2\]; did you mean "address"\?/,
    );
    expect(r.stdout).toContain('fix: rename it to "address"');
    expect(r.stdout).toContain('invalid');
    expect(r.stderr).toBe('');
  });

  it('reports semantic errors of a schema-valid profile with their positions', async () => {
    const file = 'test/fixtures/profiles/broken-semantics.yaml';
    const r = await runCli(['validate', file, '--json']);
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(false);
    const rules = out.findings.map((f: { rule: string }) => f.rule);
    // two etcd members; the gateway VIP is a host address
    expect(
      out.findings.find(
        (f: { path: string; rule: string }) => f.path === 'network.metallb.gatewayVip',
      ),
    ).toMatchObject({
      severity: 'error',
      line: 24,
    });
    expect(rules.length).toBeGreaterThanOrEqual(2);
    for (const f of out.findings) {
      expect(f).toHaveProperty('fix');
      expect(f.file).toBe(file);
    }
  });

  it('says which file is missing, without a stack trace', async () => {
    const r = await runCli(['validate', 'no/such/profile.yaml']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      'error: profile not found: no/such/profile.yaml; check the path, or start from a sample in the profiles/ folder',
    );
    expect(r.stderr).not.toMatch(/\bat .*\(/);
  });
  it('shows where an error came from only with --debug', async () => {
    const r = await runCli(['validate', 'no/such/profile.yaml', '--debug']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: profile not found');
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('usage', () => {
  it('prints help with the commands and exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('validate');
    expect(r.stdout).toContain('config');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('prints the version from package.json', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toBe(version);
    expect(r.exitCode).toBe(0);
  });

  it('exits 2 on an unknown command or flag, and on a missing argument', async () => {
    expect((await runCli(['valdate', 'x'])).exitCode).toBe(2);
    const flag = await runCli(['validate', '--nope', 'x']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain("unknown option '--nope'");
    expect((await runCli(['validate'])).exitCode).toBe(2);
  });
});

describe('the bundle', () => {
  // dist/ is the entry and the chunks it imports when a command or the wizard runs; copied
  // alone (no node_modules anywhere above it) it must still run every path it ships.
  it('runs from a folder with no node_modules, on Node 20 and on Node 24', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gsi-bundle-'));
    cpSync(dirname(BUNDLE), join(dir, 'dist'), { recursive: true });
    cpSync('profiles/full-scale.yaml', join(dir, 'full-scale.yaml'));
    expect(readdirSync(dir).sort()).toEqual(['dist', 'full-scale.yaml']);
    const node24 = process.env.GSI_NODE24_BIN;
    if (!node24 || !existsSync(node24)) {
      throw new Error(
        'GSI_NODE24_BIN is not set to a Node 24 binary; run the tests with `npm test`, which installs the npm package node@24',
      );
    }
    const { execa } = await import('execa');
    const entry = join(dir, 'dist', 'genestack-installer.mjs');
    for (const node of [process.execPath, node24]) {
      const v = await execa(node, ['--version']);
      const r = await execa(node, [entry, 'validate', 'full-scale.yaml'], {
        cwd: dir,
        reject: false,
      });
      expect(r.stdout, `${v.stdout}: ${r.stderr}`).toContain('full-scale.yaml: valid');
      expect(r.exitCode).toBe(0);
      const help = await execa(node, [entry, '--help'], { cwd: dir, reject: false });
      expect(help.stdout, `${v.stdout}: ${help.stderr}`).toContain('deploy');
      // The plan command's chunk (the phase catalog) and the engine's (Kubernetes client).
      const plan = await execa(node, [entry, 'plan', 'full-scale.yaml'], {
        cwd: dir,
        reject: false,
      });
      expect(plan.stdout, `${v.stdout}: ${plan.stderr}`).toContain('the catalog turns it off');
      expect(plan.exitCode).toBe(0);
      const engine = await execa(node, [entry, '__engine', join(dir, 'no-run')], {
        cwd: dir,
        reject: false,
      });
      expect(engine.stderr, v.stdout).toContain('is not a run folder');
      expect(engine.exitCode).toBe(1);
      // The wizard's chunks (Ink, React, the screens), drawn in a real terminal, then Ctrl+C.
      const home = await homeScreenThenQuit(node, entry, dir);
      expect(home.output, v.stdout).toContain('Start a new guided setup');
      expect(home.output, v.stdout).toContain('Quit: nothing was saved.');
      expect(home.exitCode, `${v.stdout}: ${home.output}`).toBe(0);
    }
    const major = (await execa(node24, ['--version'])).stdout;
    expect(major).toMatch(/^v24\./);
  });
});

/** Runs the wizard in a pseudo-terminal until the home screen shows, then presses Ctrl+C. */
async function homeScreenThenQuit(
  node: string,
  entry: string,
  cwd: string,
): Promise<{ output: string; exitCode: number }> {
  const { spawn } = await import('node-pty');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
  Object.assign(env, {
    TERM: 'xterm-256color',
    GENESTACK_INSTALLER_STATE_DIR: join(cwd, 'state'),
    XDG_CONFIG_HOME: join(cwd, 'config'),
  });
  const pty = spawn(node, [entry], { cols: 100, rows: 30, cwd, env, name: 'xterm-256color' });
  let output = '';
  pty.onData((d) => (output += d));
  const exited = new Promise<number>((r) => pty.onExit((e) => r(e.exitCode)));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Start a new guided setup')) {
    if (Date.now() > deadline) {
      pty.kill('SIGKILL');
      throw new Error(`no home screen within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  pty.write('\x03');
  return { exitCode: await exited, output };
}

describe('config', () => {
  const lab = 'profiles/hyperconverged-lab.yaml';
  const fresh = () => mkdtempSync(join(tmpdir(), 'gsi-config-'));

  it('writes every file, then finds them up to date', async () => {
    const out = join(fresh(), 'etc-genestack');
    const first = await runCli(['config', lab, '--out', out]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`created ${join(out, 'inventory/inventory.yaml')}`);
    expect(readFileSync(join(out, 'inventory/inventory.yaml'), 'utf8')).toContain(
      'hc-0.cloud.example.com',
    );
    const second = await runCli(['config', lab, '--out', out]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('Everything is up to date; nothing was written.');
    expect(second.stdout).not.toMatch(/^\s+(new|changed) /m);
  });

  it('never replaces an edited file without --yes; --dry-run shows the diff; --yes keeps a backup', async () => {
    const out = fresh();
    expect((await runCli(['config', lab, '--out', out])).exitCode).toBe(0);
    const inventory = join(out, 'inventory/inventory.yaml');
    const edited = readFileSync(inventory, 'utf8') + '# operator note\n';
    writeFileSync(inventory, edited);

    const refused = await runCli(['config', lab, '--out', out]);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain('inventory/inventory.yaml');
    expect(refused.stderr).toContain('--yes');
    expect(readFileSync(inventory, 'utf8')).toBe(edited);
    expect(readdirSync(join(out, 'inventory')).filter((f) => f.includes('.bak'))).toEqual([]);

    const dry = await runCli(['config', lab, '--out', out, '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('-# operator note');
    expect(dry.stdout).toContain('Dry run: nothing was written');
    expect(readFileSync(inventory, 'utf8')).toBe(edited);

    const yes = await runCli(['config', lab, '--out', out, '--yes']);
    expect(yes.exitCode, yes.stderr).toBe(0);
    // ".bak" last: Ansible skips that extension when it reads the inventory directory
    const backups = readdirSync(join(out, 'inventory')).filter((f) => f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^inventory\.yaml\.\d{8}T\d{6}Z\.bak$/);
    expect(readFileSync(join(out, 'inventory', backups[0]!), 'utf8')).toBe(edited);
    expect(readFileSync(inventory, 'utf8')).not.toContain('# operator note');
  });

  it('asks on a terminal, and writes nothing when the answer is no', async () => {
    const out = fresh();
    expect((await runCli(['config', lab, '--out', out])).exitCode).toBe(0);
    const inventory = join(out, 'inventory/inventory.yaml');
    writeFileSync(inventory, 'edited: true\n');
    // `script` gives the installer a real pseudo-terminal; the answer arrives on its stdin.
    const { execa } = await import('execa');
    const command = [process.execPath, BUNDLE, 'config', lab, '--out', out]
      .map((a) => `'${a}'`)
      .join(' ');
    const no = await execa('script', ['-qec', command, '/dev/null'], {
      input: 'n\n',
      reject: false,
      cwd: REPO,
    });
    expect(no.stdout).toContain('Replace 1 changed file(s)');
    expect(no.stdout).toContain('Nothing was written.');
    expect(no.exitCode).toBe(4);
    expect(readFileSync(inventory, 'utf8')).toBe('edited: true\n');
    const yes = await execa('script', ['-qec', command, '/dev/null'], {
      input: 'y\n',
      reject: false,
      cwd: REPO,
    });
    expect(yes.exitCode, yes.stdout).toBe(0);
    expect(readFileSync(inventory, 'utf8')).toContain('kube_control_plane');
  });

  it('writes nothing for an invalid profile', async () => {
    const out = join(fresh(), 'never-created');
    const r = await runCli(['config', 'test/fixtures/profiles/broken-network.yaml', '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nothing was written');
    expect(existsSync(out)).toBe(false);
  });
});

describe('config into something that is not a directory', () => {
  it('says so and writes nothing, without an internal error', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gsi-notdir-')), 'a-file');
    writeFileSync(file, 'keep me\n');
    const r = await runCli(['config', 'profiles/hyperconverged-lab.yaml', '--out', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot write under ${file}: it is not a directory. Give a directory (--out DIR or genestack.configDir).`,
    );
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });
});

describe('output to a reader that stops early', () => {
  it('ends quietly, like `plan --json | head`', async () => {
    const { execa } = await import('execa');
    const child = execa(process.execPath, [BUNDLE, 'plan', 'profiles/full-scale.yaml', '--json'], {
      cwd: REPO,
      reject: false,
      buffer: { stdout: false },
    });
    // read the first chunk, then close the pipe as `head` does
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.stdout!.destroy();
    const r = await child;
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.exitCode).toBe(0);
  });
});
