// planWrites/applyWrites against real files in a temporary directory.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  ApplyError,
  applyWrites,
  backupPathFor,
  backupStamp,
  planWrites,
} from '../../src/genestack/apply';
import type { RenderedFile } from '../../src/genestack/types';

let root: string;
let configDir: string;

beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'genestack-apply-'));
  configDir = path.join(root, 'etc-genestack');
});

afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

const FIXED = new Date(Date.UTC(2026, 7, 7, 13, 45, 2, 789));
const now = () => FIXED;

function file(p: string, content: string): RenderedFile {
  return { path: p, content, description: `test file ${p}` };
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listAll(full)));
    else out.push(path.relative(configDir, full));
  }
  return out.sort();
}

const umaskedMode = (m: number) => m & ~process.umask();

describe('backup names', () => {
  test('UTC stamp, .bak last', () => {
    expect(backupStamp(FIXED)).toBe('20260807T134502Z');
    expect(backupPathFor('/etc/genestack/inventory/inventory.yaml', FIXED)).toBe(
      '/etc/genestack/inventory/inventory.yaml.20260807T134502Z.bak',
    );
    expect(backupPathFor('/x/a.yaml', FIXED, 1)).toBe('/x/a.yaml.20260807T134502Z-2.bak');
  });
});

describe('planWrites + applyWrites', () => {
  test('new files are created with parent directories (0755) and mode 0644', async () => {
    const plan = await planWrites([file('inventory/group_vars/all/x.yml', 'a: 1\n')], configDir);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({
      status: 'new',
      path: path.join(configDir, 'inventory/group_vars/all/x.yml'),
      relativePath: 'inventory/group_vars/all/x.yml',
    });
    expect(plan[0]!.diff).toBeUndefined();

    const result = await applyWrites(plan, { now });
    expect(result).toEqual([{ path: plan[0]!.path, action: 'created' }]);
    expect(await fsp.readFile(plan[0]!.path, 'utf8')).toBe('a: 1\n');
    expect((await fsp.stat(plan[0]!.path)).mode & 0o777).toBe(0o644);
    const dirMode = (await fsp.stat(path.join(configDir, 'inventory/group_vars/all'))).mode & 0o777;
    expect(dirMode).toBe(umaskedMode(0o755));
    expect(await listAll(configDir)).toEqual(['inventory/group_vars/all/x.yml']);
  });

  test('an unchanged file is not touched', async () => {
    const target = path.join(configDir, 'openstack-components.yaml');
    await fsp.mkdir(configDir, { recursive: true });
    await fsp.writeFile(target, 'components: {}\n');
    const past = new Date('2020-01-01T00:00:00Z');
    await fsp.utimes(target, past, past);
    const inodeBefore = (await fsp.stat(target)).ino;

    const plan = await planWrites(
      [file('openstack-components.yaml', 'components: {}\n')],
      configDir,
    );
    expect(plan[0]!.status).toBe('unchanged');
    expect(plan[0]!.diff).toBeUndefined();
    const result = await applyWrites(plan, { now });
    expect(result).toEqual([{ path: target, action: 'unchanged' }]);

    const st = await fsp.stat(target);
    expect(st.mtime.getTime()).toBe(past.getTime());
    expect(st.ino).toBe(inodeBefore);
    expect(await listAll(configDir)).toEqual(['openstack-components.yaml']);
  });

  test('a changed file: diff in the plan, timestamped backup, new content, mode kept', async () => {
    const target = path.join(configDir, 'helm-configs/kube-ovn/kube-ovn-helm-overrides.yaml');
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const old = 'networking:\n  IFACE: bond0 # my edit\n';
    await fsp.writeFile(target, old);
    await fsp.chmod(target, 0o640);
    const next = 'networking:\n  IFACE: bond1\n';

    const plan = await planWrites(
      [file('helm-configs/kube-ovn/kube-ovn-helm-overrides.yaml', next)],
      configDir,
    );
    expect(plan[0]!.status).toBe('changed');
    expect(plan[0]!.existing).toBe(old);
    expect(plan[0]!.diff).toContain('-  IFACE: bond0 # my edit');
    expect(plan[0]!.diff).toContain('+  IFACE: bond1');
    expect(plan[0]!.diff).toContain(`--- ${target}\ton disk`);
    // planning writes nothing
    expect(await fsp.readFile(target, 'utf8')).toBe(old);

    const result = await applyWrites(plan, { now });
    const backup = `${target}.20260807T134502Z.bak`;
    expect(result).toEqual([{ path: target, action: 'replaced', backupPath: backup }]);
    expect(await fsp.readFile(backup, 'utf8')).toBe(old);
    expect(await fsp.readFile(target, 'utf8')).toBe(next);
    expect((await fsp.stat(target)).mode & 0o7777).toBe(0o640);
    expect((await fsp.stat(backup)).mode & 0o7777).toBe(0o640);
    expect(await listAll(configDir)).toEqual([
      'helm-configs/kube-ovn/kube-ovn-helm-overrides.yaml',
      'helm-configs/kube-ovn/kube-ovn-helm-overrides.yaml.20260807T134502Z.bak',
    ]);
  });

  test('two replacements in the same second keep both backups', async () => {
    const target = path.join(configDir, 'a.yaml');
    await fsp.mkdir(configDir, { recursive: true });
    await fsp.writeFile(target, 'v: 1\n');
    await applyWrites(await planWrites([file('a.yaml', 'v: 2\n')], configDir), { now });
    const second = await applyWrites(await planWrites([file('a.yaml', 'v: 3\n')], configDir), {
      now,
    });
    expect(second[0]!.backupPath).toBe(`${target}.20260807T134502Z-2.bak`);
    expect(await fsp.readFile(`${target}.20260807T134502Z.bak`, 'utf8')).toBe('v: 1\n');
    expect(await fsp.readFile(`${target}.20260807T134502Z-2.bak`, 'utf8')).toBe('v: 2\n');
  });

  test('a symlinked target is refused at plan time, nothing written through it', async () => {
    const outside = path.join(root, 'opt-genestack-file.yaml');
    await fsp.writeFile(outside, 'repo: content\n');
    await fsp.mkdir(configDir, { recursive: true });
    await fsp.symlink(outside, path.join(configDir, 'openstack-components.yaml'));

    await expect(
      planWrites([file('openstack-components.yaml', 'components: {}\n')], configDir),
    ).rejects.toThrow(/refusing to write .*openstack-components\.yaml: .* is a symbolic link/);
    expect(await fsp.readFile(outside, 'utf8')).toBe('repo: content\n');
  });

  test('a symlinked directory on the way (kustomize/<svc>/base style) is refused too', async () => {
    const repoBase = path.join(root, 'opt/genestack/base-kustomize/rook-cluster');
    await fsp.mkdir(repoBase, { recursive: true });
    await fsp.mkdir(path.join(configDir, 'kustomize'), { recursive: true });
    await fsp.symlink(repoBase, path.join(configDir, 'kustomize/rook-cluster'));

    await expect(
      planWrites([file('kustomize/rook-cluster/overlay/kustomization.yaml', 'x: 1\n')], configDir),
    ).rejects.toThrow(/kustomize\/rook-cluster is a symbolic link .*outside/);
    expect(await fsp.readdir(repoBase)).toEqual([]);
  });

  test('a link that appears between plan and apply is refused at apply time', async () => {
    await fsp.mkdir(configDir, { recursive: true });
    const plan = await planWrites([file('a.yaml', 'a: 1\n')], configDir);
    const outside = path.join(root, 'outside.yaml');
    await fsp.writeFile(outside, 'keep\n');
    await fsp.symlink(outside, path.join(configDir, 'a.yaml'));
    await expect(applyWrites(plan, { now })).rejects.toThrow(/symbolic link/);
    expect(await fsp.readFile(outside, 'utf8')).toBe('keep\n');
  });

  test('configDir itself may be a symlink', async () => {
    const real = path.join(root, 'real-config');
    await fsp.mkdir(real);
    await fsp.symlink(real, configDir);
    const result = await applyWrites(await planWrites([file('a.yaml', 'a: 1\n')], configDir), {
      now,
    });
    expect(result[0]!.action).toBe('created');
    expect(await fsp.readFile(path.join(real, 'a.yaml'), 'utf8')).toBe('a: 1\n');
  });

  test('a file edited after the plan is not overwritten unseen', async () => {
    const target = path.join(configDir, 'a.yaml');
    await fsp.mkdir(configDir, { recursive: true });
    await fsp.writeFile(target, 'v: 1\n');
    const plan = await planWrites([file('a.yaml', 'v: 2\n')], configDir);
    await fsp.writeFile(target, 'v: edited meanwhile\n');
    const error = await applyWrites(plan, { now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).message).toMatch(/changed since the plan was made/);
    expect(await fsp.readFile(target, 'utf8')).toBe('v: edited meanwhile\n');
    expect(await listAll(configDir)).toEqual(['a.yaml']);
  });

  test('a failure just before the rename leaves the old file intact and no temp file', async () => {
    const target = path.join(configDir, 'inventory/inventory.yaml');
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.writeFile(target, 'old: true\n');
    await fsp.writeFile(path.join(configDir, 'b.yaml'), 'b: old\n');
    const plan = await planWrites(
      [
        file('a-new.yaml', 'a: 1\n'),
        file('inventory/inventory.yaml', 'new: true\n'),
        file('b.yaml', 'b: new\n'),
      ],
      configDir,
    );
    let sawTemp = '';
    const error = await applyWrites(plan, {
      now,
      beforeRename: async (temp, t) => {
        if (t !== target) return;
        sawTemp = temp;
        // the temp file is complete and next to the target
        expect(path.dirname(temp)).toBe(path.dirname(target));
        expect(path.basename(temp)).toMatch(
          new RegExp(`^\\.inventory\\.yaml\\.tmp-${process.pid}-[0-9a-f]+$`),
        );
        expect(await fsp.readFile(temp, 'utf8')).toBe('new: true\n');
        throw Object.assign(new Error('disk on fire'), { code: 'EIO' });
      },
    }).catch((e: unknown) => e);

    expect(sawTemp).not.toBe('');
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).message).toMatch(
      /could not write .*inventory\.yaml: disk on fire/,
    );
    // the first file was written before the failure, the third never reached
    expect((error as ApplyError).applied).toEqual([
      { path: path.join(configDir, 'a-new.yaml'), action: 'created' },
    ]);
    expect(await fsp.readFile(target, 'utf8')).toBe('old: true\n');
    expect(await fsp.readFile(path.join(configDir, 'b.yaml'), 'utf8')).toBe('b: old\n');
    // the backup was taken before the failed write; no temp file remains
    expect(await listAll(configDir)).toEqual([
      'a-new.yaml',
      'b.yaml',
      'inventory/inventory.yaml',
      'inventory/inventory.yaml.20260807T134502Z.bak',
    ]);
  });

  test('no temp files remain after a successful run', async () => {
    const files = [file('x/1.yaml', '1\n'), file('x/2.yaml', '2\n'), file('y/3.yaml', '3\n')];
    await applyWrites(await planWrites(files, configDir), { now });
    expect(await listAll(configDir)).toEqual(['x/1.yaml', 'x/2.yaml', 'y/3.yaml']);
  });

  test('paths that leave the config dir are rejected', async () => {
    await expect(planWrites([file('../escape.yaml', 'x')], configDir)).rejects.toThrow(
      /inside the config dir/,
    );
    await expect(planWrites([file('/etc/passwd', 'x')], configDir)).rejects.toThrow(
      /inside the config dir/,
    );
    await expect(planWrites([file('a//b.yaml', 'x')], configDir)).rejects.toThrow(
      /inside the config dir/,
    );
  });

  test('a directory where a file should be is refused', async () => {
    await fsp.mkdir(path.join(configDir, 'a.yaml'), { recursive: true });
    await expect(planWrites([file('a.yaml', 'x')], configDir)).rejects.toThrow(
      /not a regular file/,
    );
  });
});
