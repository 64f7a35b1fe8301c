// The bundle's redaction: every rule on its own, counted under its own id, and what it must
// leave alone.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BundleRedactor, BUNDLE_RULES, REDACTED, bundleRedactor } from '../../src/bundle/redact';
import { Redactor } from '../../src/journal/redact';

const plain = new BundleRedactor(new Redactor());

const KEY_PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAx7vQkeyMaterialThatMustGo1234567890abcdef',
  '-----END RSA PRIVATE KEY-----',
].join('\n');
const CERT_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIDdzCCAl+gAwIBAgIEcertMaterialThatMustGo0987654321',
  '-----END CERTIFICATE-----',
].join('\n');

describe('bundle redaction rules', () => {
  it('pem-block: private keys and certificates, also a block cut at either end', () => {
    const r = plain.redact(`key:\n${KEY_PEM}\ncert:\n${CERT_PEM}\nend\n`);
    expect(r.text).toBe(`key:\n${REDACTED}\ncert:\n${REDACTED}\nend\n`);
    expect(r.counts).toEqual({ 'pem-block': 2 });
    const cutEnd = plain.redact('before\n-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+g');
    expect(cutEnd.text).toBe(`before\n${REDACTED}`);
    const cutStart = plain.redact('MIIDdzCCAl+gAwIB\n-----END CERTIFICATE-----\nafter');
    expect(cutStart.text).toBe(`${REDACTED}\nafter`);
  });

  it('kubeconfig-credential: client key and certificate data, CA data, OIDC tokens', () => {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- cluster:',
      '    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=',
      '    server: https://10.0.0.1:6443',
      '  name: cluster.local',
      'users:',
      '- name: kubernetes-admin',
      '  user:',
      '    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUQ=',
      '    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF',
      '- name: oidc',
      '  user:',
      '    auth-provider:',
      '      config:',
      '        id-token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      '        refresh-token: Cg1yZWZyZXNoLXRva2Vu',
      '- name: sa',
      '  user:',
      '    token: eyJhbGciOiJSUzI1NiJ9.serviceaccount.token',
    ].join('\n');
    const r = plain.redact(kubeconfig);
    expect(r.text).not.toMatch(/LS0t|eyJ|Cg1y/);
    expect(r.text).toContain('server: https://10.0.0.1:6443');
    expect(r.text).toContain(`client-key-data: ${REDACTED}`);
    expect(r.text).toContain(`    token: ${REDACTED}`);
    expect(r.counts['kubeconfig-credential']).toBe(5);
    expect(r.counts['key-value']).toBe(1);
  });

  it('secret-data: every value under data and stringData of a Secret, not of a ConfigMap', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: settings',
      'data:',
      '  region: RegionOne',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: keystone-admin',
      '  namespace: openstack',
      'type: Opaque',
      'data:',
      '  username: a2V5c3RvbmU=',
      '  password: SHg4a1EybVZuNHBMcjdzVDl3WXozYUJjNmRFZjFnSg==',
      '  cert.pem: |',
      '    line one',
      '    line two',
      'stringData:',
      '  dsn: mysql://keystone:pw@db/keystone',
      '---',
      'kind: Secret',
      'data: {}',
    ].join('\n');
    const r = plain.redact(yaml);
    expect(r.text).toContain('  region: RegionOne');
    expect(r.text).toContain(`  username: ${REDACTED}`);
    expect(r.text).toContain(`  password: ${REDACTED}`);
    expect(r.text).toContain(`  cert.pem: ${REDACTED}\nstringData:`);
    expect(r.text).toContain(`  dsn: ${REDACTED}`);
    expect(r.text).not.toMatch(/SHg4|a2V5|line one|line two|mysql:/);
    expect(r.text).toContain('  name: keystone-admin');
    expect(r.counts['secret-data']).toBe(4);
  });

  it('secret-block: block scalars of keys that name a secret', () => {
    const r = plain.redact(
      [
        'ceph:',
        '  keyring: |',
        '    [client.admin]',
        '        key = AQBx7ZFnAAAAABAAk1kXGj5yQd0i7X9ZjW0m4w==',
        '  monHosts: [10.0.0.5]',
        'notes: |',
        '  ordinary text',
      ].join('\n'),
    );
    expect(r.text).toBe(
      [
        'ceph:',
        `  keyring: ${REDACTED}`,
        '  monHosts: [10.0.0.5]',
        'notes: |',
        '  ordinary text',
      ].join('\n'),
    );
    expect(r.counts).toEqual({ 'secret-block': 1 });
  });

  it('key-value: YAML, INI, env and JSON values of password/token/secret keys', () => {
    const r = plain.redact(
      [
        'mariadb_root_password: hunter2hunter2',
        '[keystone_authtoken]',
        'password = s3cr3t-ini',
        'export OS_PASSWORD=env-secret-value',
        '{"client_secret": "json-secret"}',
        'secretName: keystone-admin',
      ].join('\n'),
    );
    for (const v of ['hunter2hunter2', 's3cr3t-ini', 'env-secret-value', 'json-secret']) {
      expect(r.text).not.toContain(v);
    }
    expect(r.text).toContain('secretName: keystone-admin');
    expect(r.counts).toEqual({ 'key-value': 4 });
  });

  it('bearer-token, flag-value and ceph-key', () => {
    const r = plain.redact(
      [
        'Authorization: Bearer abcdefghijklmnop.qrstuv',
        'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef',
        '  key = AQBx7ZFnAAAAABAAk1kXGj5yQd0i7X9ZjW0m4w==',
      ].join('\n'),
    );
    expect(r.text).not.toMatch(/abcdefghijklmnop|0123456789abcdef|AQBx7/);
    expect(r.counts).toEqual({ 'bearer-token': 1, 'flag-value': 1, 'ceph-key': 1 });
  });

  it('known-secret: the profile’s secrets and kubesecrets.yaml values, in any file', () => {
    const generated = 'gs-4f9a0c3e1b7d2a8e6c5b4d3f';
    const keyring = 'AQD1bGtlcmluZy1zZWNyZXQtdmFsdWUtZm9yLXRlc3Q=';
    const kubesecrets = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: ${generated}\n`;
    const red = bundleRedactor({ storage: { externalCeph: { keyring } } }, kubesecrets);
    const r = red.redact(`connect with ${generated}\nmon keyring ${keyring}\n`);
    expect(r.text).toBe(`connect with ${REDACTED}\nmon keyring ${REDACTED}\n`);
    expect(r.counts).toEqual({ 'known-secret': 2 });
    // The base64 form of a generated secret (as in a Secret manifest's data) goes too.
    const b64 = Buffer.from(generated).toString('base64');
    expect(red.redact(`value ${b64}`).text).toBe(`value ${REDACTED}`);
  });

  it('an unparsable kubesecrets.yaml does not stop the bundle', () => {
    const red = bundleRedactor(null, 'kind: Secret\n  : [unbalanced');
    expect(red.redact('password: x1234').text).toBe(`password: ${REDACTED}`);
  });

  it('leaves ordinary text alone and is idempotent', () => {
    const text = [
      'TASK [Create the keystone secret] ****',
      'ok: [node1] => {"changed": false}',
      'secret/keystone-admin created',
      'token_length=32',
      'password: null',
    ].join('\n');
    expect(plain.redact(text)).toEqual({ text, counts: {} });
    const once = plain.redact(`${KEY_PEM}\npassword: abcdef\nBearer abcdefghijkl`).text;
    expect(plain.redact(once)).toEqual({ text: once, counts: {} });
  });

  it('names every rule it counts', () => {
    const all = plain.redact(
      `${CERT_PEM}\nclient-key-data: QUJD\nkind: Secret\ndata:\n  a: Yg==\npass_secret: |\n  x\npassword: y1\n--token t1 Bearer abcdefghij\nkey = AQBx7ZFnAAAAABAAk1kXGj5yQd0i7X9ZjW0m4w==\n`,
    );
    for (const id of Object.keys(all.counts)) expect(BUNDLE_RULES).toContain(id);
  });
});

describe('docs/bundle.md', () => {
  it('documents every rule id', () => {
    const doc = readFileSync('docs/bundle.md', 'utf8');
    expect(BUNDLE_RULES.filter((id) => !doc.includes(`| \`${id}\` |`))).toEqual([]);
  });
});
