// The engine's state directory, run ids, locks and run.json.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LockHeldError,
  acquireLock,
  ownerForThisProcess,
  processAlive,
  processStartTime,
  readLock,
  releaseLock,
  takeOverLock,
} from '../../src/engine/lock';
import {
  ROOT_STATE_DIR,
  RUN_ID_PATTERN,
  findRunId,
  listRunIds,
  newRunId,
  resolveStateDir,
} from '../../src/engine/stateDir';
import { EXIT } from '../../src/exitCodes';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-engine-unit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('state directory', () => {
  it('takes --state-dir, then the environment, then the root or XDG default', () => {
    expect(resolveStateDir({ flag: 'rel/dir', env: { GENESTACK_INSTALLER_STATE_DIR: '/x' } })).toBe(
      join(process.cwd(), 'rel/dir'),
    );
    expect(resolveStateDir({ env: { GENESTACK_INSTALLER_STATE_DIR: '/x' }, uid: 0 })).toBe('/x');
    expect(resolveStateDir({ env: {}, uid: 0 })).toBe(ROOT_STATE_DIR);
    expect(resolveStateDir({ env: { XDG_STATE_HOME: '/home/a/.st' }, uid: 1000 })).toBe(
      '/home/a/.st/genestack-installer',
    );
    // A relative XDG_STATE_HOME is invalid (XDG spec) and ignored.
    expect(resolveStateDir({ env: { XDG_STATE_HOME: 'st' }, uid: 1000, home: '/home/a' })).toBe(
      '/home/a/.local/state/genestack-installer',
    );
  });

  it('makes sortable run ids and finds runs by id or unique prefix', () => {
    const a = newRunId(new Date('2026-11-26T22:10:05.123Z'), () => 'ab12');
    expect(a).toBe('20261126-221005-ab12');
    expect(RUN_ID_PATTERN.test(newRunId())).toBe(true);
    for (const id of ['20261126-221005-ab12', '20261126-231000-0001', '20261127-080000-ffff']) {
      mkdirSync(join(dir, 'runs', id), { recursive: true });
    }
    mkdirSync(join(dir, 'runs', 'not-a-run'));
    expect(listRunIds(dir)).toEqual([
      '20261127-080000-ffff',
      '20261126-231000-0001',
      '20261126-221005-ab12',
    ]);
    expect(findRunId(dir)).toBe('20261127-080000-ffff');
    expect(findRunId(dir, '20261126-22')).toBe('20261126-221005-ab12');
    expect(() => findRunId(dir, '20261126')).toThrow(/ambiguous/);
    expect(() => findRunId(dir, 'nope')).toThrow(
      /no run "nope".*recent runs: 20261127-080000-ffff/,
    );
    expect(() => findRunId(join(dir, 'empty'))).toThrow(/no runs in/);
  });
});

describe('locks', () => {
  it('names the owner, refuses a second owner, and releases only its own lock', () => {
    const file = join(dir, 'engine.lock');
    const me = ownerForThisProcess('20261126-221005-ab12');
    expect(acquireLock(file, me, 'the state directory')).toBeNull();
    expect(readLock(file)?.owner).toEqual(me);
    expect(me.procStart).toBe(processStartTime(process.pid));
    let err: unknown;
    try {
      acquireLock(file, { ...me, runId: 'other' }, 'the state directory');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as LockHeldError).exitCode).toBe(EXIT.locked);
    expect((err as Error).message).toMatch(
      /another run holds the lock of the state directory .*: run 20261126-221005-ab12 by \S+@\S+, pid \d+, since \d\d:\d\d UTC\. Attach with `genestack-installer attach 20261126-221005-ab12`, or stop it with `genestack-installer abort 20261126-221005-ab12`/,
    );
    releaseLock(file, 'other');
    expect(existsSync(file)).toBe(true);
    releaseLock(file, me.runId);
    expect(existsSync(file)).toBe(false);
  });

  it('recovers a lock whose process is gone, or whose pid was reused', async () => {
    const file = join(dir, 'engine.lock');
    const { stdout } = await execa('sh', ['-c', 'echo $$']);
    const dead = { ...ownerForThisProcess('old'), pid: Number(stdout) };
    writeFileSync(file, JSON.stringify(dead));
    const rec = acquireLock(file, ownerForThisProcess('new'), 'x');
    expect(rec?.owner.runId).toBe('old');
    expect(rec?.why).toMatch(/process \d+ \(run old by .*\) is gone/);
    // Our own pid with another start time: a reused pid, so stale too.
    writeFileSync(file, JSON.stringify({ ...ownerForThisProcess('reused'), procStart: '1' }));
    expect(acquireLock(file, ownerForThisProcess('new2'), 'x')?.owner.runId).toBe('reused');
    // An unreadable lock is stale.
    writeFileSync(file, 'garbage');
    expect(acquireLock(file, ownerForThisProcess('new3'), 'x')?.why).toMatch(/could not be read/);
    expect(readLock(file)?.owner?.runId).toBe('new3');
  });

  it('hands a lock over to the engine of the same run only', () => {
    const file = join(dir, 'engine.lock');
    acquireLock(file, ownerForThisProcess('run-a'), 'x');
    const engine = { ...ownerForThisProcess('run-a'), pid: 1, procStart: null };
    takeOverLock(file, engine, 'x');
    expect(readLock(file)?.owner?.pid).toBe(1);
    expect(() => takeOverLock(file, { ...engine, runId: 'run-b' }, 'x')).toThrow(LockHeldError);
    rmSync(file);
    expect(() => takeOverLock(file, engine, 'x')).toThrow(/is gone/);
  });

  it('tells live processes from dead ones', () => {
    expect(processAlive(process.pid, processStartTime(process.pid))).toBe(true);
    expect(processAlive(process.pid, 'not-the-start')).toBe(false);
    expect(processAlive(0)).toBe(false);
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
    expect(readFileSync(`/proc/${process.pid}/stat`, 'utf8')).toContain(String(process.pid));
  });
});
