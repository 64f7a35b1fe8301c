import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REDACTED,
  Redactor,
  secretsFromKubesecrets,
  secretsFromProfile,
} from '../../src/journal/redact';
import { JournalWriter } from '../../src/journal/writer';
import type { JournalEventInput } from '../../src/journal/events';

const SECRET = 'Zq9vXk2LmP4wRt7YbN3cHs8Df6Gj1Ae5';

describe('Redactor: known secrets', () => {
  const r = new Redactor([SECRET, 'AQBx7ZFnAAAAABAAk1kXGj5yQd0i7X9ZjW0m4w==']);

  it('replaces every occurrence inside a string', () => {
    expect(r.redactString(`a ${SECRET} b ${SECRET}c`)).toBe(`a ${REDACTED} b ${REDACTED}c`);
    expect(r.redactString(SECRET)).toBe(REDACTED);
    expect(r.redactString('nothing to see')).toBe('nothing to see');
  });

  it('also catches the base64 and JSON-escaped forms', () => {
    const b64 = Buffer.from(SECRET).toString('base64');
    expect(r.redactString(`data: {password: ${b64}}`)).not.toContain(b64);
    const tricky = new Redactor(['pa"ss\\word-long']);
    const escaped = JSON.stringify('pa"ss\\word-long').slice(1, -1);
    expect(tricky.redactString(`{"x": "${escaped}"}`)).toBe(`{"x": "${REDACTED}"}`);
  });

  it('ignores values too short to be told apart from ordinary text', () => {
    const short = new Redactor(['abc', '']);
    expect(short.size).toBe(0);
    expect(short.redactString('abc abc')).toBe('abc abc');
  });

  it('redacts the longest secret when one contains another', () => {
    const nested = new Redactor(['secretvalue', 'secretvalue-and-more']);
    expect(nested.redactString('x secretvalue-and-more y')).toBe(`x ${REDACTED} y`);
  });

  it('redacts every string field of an event, nested ones included, and keys', () => {
    const e: JournalEventInput = {
      type: 'run-started',
      runId: 'r',
      profileName: 'p',
      profileHash: 'h',
      plan: {
        phases: [{ id: 'x', title: `uses ${SECRET}`, group: 'g', needs: [SECRET], kind: 'k' }],
      },
      user: 'u',
      host: 'h',
      pid: 1,
    };
    const out = r.redactEvent(e);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(out.plan.phases[0]!.needs).toEqual([REDACTED]);
    expect(e.plan.phases[0]!.title).toContain(SECRET); // the input is not changed
    const stats = r.redactEvent({
      type: 'ansible-stats',
      phaseId: 'p',
      hosts: { [SECRET]: { ok: 1, changed: 0, failures: 0, skipped: 0, unreachable: 0 } },
    });
    expect(Object.keys(stats.hosts)).toEqual([REDACTED]);
  });

  it('returns the same object when nothing needs redacting', () => {
    const e: JournalEventInput = {
      type: 'log',
      phaseId: 'p',
      stream: 'stdout',
      line: 'ok: [node1]',
    };
    expect(r.redactEvent(e)).toBe(e);
  });

  it('never lets a known secret through, wherever it sits in the text (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }).filter((s) => s.trim().length >= 6),
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 60 }),
        (secret, before, after) => {
          const red = new Redactor([secret]);
          const out = red.redactString(before + secret + after);
          expect(out.includes(secret)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Redactor: many secrets, long and short (property)', () => {
  it('finds each of them anywhere, whatever their lengths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', minLength: 4, maxLength: 60 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { minLength: 2, maxLength: 4 }),
        fc.nat(),
        (secrets, gaps, pick) => {
          const usable = secrets.filter((x) => x.trim().length >= 4);
          // A secret made of the marker's own letters could reappear around a marker.
          fc.pre(usable.length > 0 && usable.every((x) => !/[[\]REDACT]/.test(x)));
          const red = new Redactor(usable);
          const chosen = usable[pick % usable.length]!;
          const text = gaps.join(chosen);
          const out = red.redactString(text);
          expect(out.includes(chosen)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('Redactor: patterns', () => {
  const r = new Redactor();
  const cases: Array<[string, string]> = [
    ['mysql -u root --password=hunter2hunter2 -e x', `mysql -u root --password=${REDACTED} -e x`],
    ['password=hunter2 host=db', `password=${REDACTED} host=db`],
    ['DB_PASSWORD=s3cr3t&x=1', `DB_PASSWORD=${REDACTED}&x=1`],
    ['{"password": "hunter2", "user": "admin"}', `{"password": "${REDACTED}", "user": "admin"}`],
    ["{'admin_password': 'hunter2'}", `{'admin_password': '${REDACTED}'}`],
    ['"db_pass": "x", "token": "abc def"', `"db_pass": "x", "token": "${REDACTED}"`],
    ['msg: {\\"password\\": \\"hunter2\\"}', `msg: {\\"password\\": \\"${REDACTED}\\"}`],
    ['token: abcdef.0123456789abcdef', `token: ${REDACTED}`],
    ['  keystone_auth_token: 8f9e0d', `  keystone_auth_token: ${REDACTED}`],
    [
      'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --x',
      `kubeadm join 10.0.0.1:6443 --token ${REDACTED} --x`,
    ],
    ['Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig', `Authorization: Bearer ${REDACTED}`],
    ['\tkey = AQBx7ZFnAAAAABAAk1kXGj5yQd0i7X9ZjW0m4w==', `\tkey = ${REDACTED}`],
    ['client_secret: xyz123', `client_secret: ${REDACTED}`],
    ['ssh_key_passphrase=correct-horse', `ssh_key_passphrase=${REDACTED}`],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(r.redactString(input)).toBe(expected);
  });

  it('leaves keys that name something public, and empty values, alone', () => {
    for (const s of [
      'secretName: keystone-admin',
      'password_file=/etc/x',
      'secret/keystone-admin created',
      'password: null',
      'token_length=32',
      'TASK [create the keystone secret]',
    ]) {
      expect(r.redactString(s)).toBe(s);
    }
  });

  it('is idempotent', () => {
    for (const [, expected] of cases) expect(r.redactString(expected)).toBe(expected);
  });

  it('removes a PEM private key block inside one string', () => {
    const pem = [
      'before',
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEAx7',
      '-----END RSA PRIVATE KEY-----',
      'after',
    ].join('\n');
    expect(r.redactString(pem)).toBe(`before\n${REDACTED}\nafter`);
    expect(r.redactString('x -----BEGIN PRIVATE KEY-----\nMIIE... (cut)')).toBe(`x ${REDACTED}`);
  });

  it('removes a PEM private key block that arrives one log line at a time, per stream', () => {
    const red = new Redactor();
    const log = (line: string, stream: 'stdout' | 'stderr' = 'stdout', phaseId = 'p') =>
      red.redactEvent({ type: 'log', phaseId, stream, line } as const).line;
    expect(log('cert: -----BEGIN EC PRIVATE KEY-----')).toBe(`cert: ${REDACTED}`);
    expect(log('an unrelated error', 'stderr')).toBe('an unrelated error');
    expect(log('an unrelated line', 'stdout', 'other')).toBe('an unrelated line');
    expect(log('MHcCAQEEIBkg4LVWM9nuwNSkaIf0SFnoAtfN0V4r')).toBe(REDACTED);
    expect(log('AwEHoUQDQgAE')).toBe(REDACTED);
    expect(log('-----END EC PRIVATE KEY----- done')).toBe(`${REDACTED} done`);
    expect(log('back to normal')).toBe('back to normal');
  });
});

describe('secret sources', () => {
  it('reads the secrets of a Genestack kubesecrets.yaml, not the identifiers', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const yaml = `---
apiVersion: v1
kind: Secret
metadata:
  name: keystone-rabbitmq-password
  namespace: openstack
type: Opaque
data:
  username: ${b64('keystone')}
  password: ${b64('Hx8kQ2mVn4pLr7sT9wYz3aBc6dEf1gJ')}
---
apiVersion: v1
kind: Secret
metadata:
  name: metadata-shared-secret
  namespace: openstack
type: Opaque
stringData:
  password: plainSharedSecretValue
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-a-secret
data:
  password: ignored-configmap-value
`;
    const secrets = secretsFromKubesecrets(yaml);
    expect(secrets).toContain('Hx8kQ2mVn4pLr7sT9wYz3aBc6dEf1gJ');
    expect(secrets).toContain(b64('Hx8kQ2mVn4pLr7sT9wYz3aBc6dEf1gJ'));
    expect(secrets).toContain('plainSharedSecretValue');
    expect(secrets).not.toContain('keystone');
    expect(secrets).not.toContain('ignored-configmap-value');
    const red = new Redactor(secrets);
    expect(red.redactString('rabbitmq user keystone pass Hx8kQ2mVn4pLr7sT9wYz3aBc6dEf1gJ')).toBe(
      `rabbitmq user keystone pass ${REDACTED}`,
    );
  });

  it('reads the profile fields listed as secret', () => {
    expect(secretsFromProfile({ storage: { externalCeph: { keyring: 'AQBkeyring==' } } })).toEqual([
      'AQBkeyring==',
    ]);
    expect(secretsFromProfile({ storage: {} })).toEqual([]);
    expect(secretsFromProfile({ a: { b: 'x1234' } }, ['a.b', 'a.c'])).toEqual(['x1234']);
  });
});

describe('the writer redacts before writing', () => {
  it('no secret reaches the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gsi-redact-'));
    try {
      const w = await JournalWriter.open(join(dir, 'run'), { redactor: new Redactor([SECRET]) });
      w.append({ type: 'warning', message: `leaked ${SECRET}` });
      w.append({
        type: 'log',
        phaseId: 'p',
        stream: 'stderr',
        line: `export OS_PASSWORD=${SECRET}x`,
      });
      w.append({
        type: 'log',
        phaseId: 'p',
        stream: 'stdout',
        line: 'mysql --password=topsecret1',
      });
      w.close();
      const text = readFileSync(join(dir, 'run', 'events.jsonl'), 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('topsecret1');
      expect(text.match(/\[REDACTED\]/g)).toHaveLength(3);
      expect(w.state.warnings[0]!.message).toBe(`leaked ${REDACTED}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
