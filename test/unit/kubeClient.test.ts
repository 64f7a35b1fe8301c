// Which kubeconfig the installer uses, and what it says when that file is not usable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/commands/io';
import { KubeClient, loadKubeConfig, locateKubeconfig, statusError } from '../../src/kube/client';
import { collectionPath, parseApiVersion, BUILTIN_TYPES } from '../../src/kube/resources';

let dir: string;

const KUBECONFIG = (server: string, extra = '') => `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: "${server}"${extra} }
users:
  - name: u
    user: { token: t }
contexts:
  - name: ctx
    context: { cluster: c, user: u }
current-context: ctx
`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-client-'));
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('locateKubeconfig', () => {
  it('prefers the profile, then KUBECONFIG, then ~/.kube/config', () => {
    expect(
      locateKubeconfig({ kubeconfig: '~/k.conf', env: { KUBECONFIG: '/x' }, home: '/home/op' }),
    ).toEqual({
      paths: ['/home/op/k.conf'],
      origin: 'profile',
    });
    expect(locateKubeconfig({ env: { KUBECONFIG: '/a:/b' }, home: '/home/op' })).toEqual({
      paths: ['/a', '/b'],
      origin: 'KUBECONFIG',
    });
    expect(locateKubeconfig({ env: { KUBECONFIG: '' }, home: '/home/op' })).toEqual({
      paths: ['/home/op/.kube/config'],
      origin: 'default',
    });
  });
});

describe('loadKubeConfig', () => {
  it('loads the current context and its cluster', () => {
    const file = write('k', KUBECONFIG('https://10.0.0.1:6443'));
    const client = KubeClient.fromKubeconfig({ kubeconfig: file });
    expect(client.server).toBe('https://10.0.0.1:6443');
    expect(client.source).toBe(file);
  });

  it('merges a KUBECONFIG list, the first file winning', () => {
    const a = write('a', 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    const b = write('b', KUBECONFIG('https://b:6443'));
    const { kubeConfig } = loadKubeConfig({
      env: { KUBECONFIG: `${path.join(dir, 'missing')}:${a}:${b}` },
      home: dir,
    });
    expect(kubeConfig.getCurrentCluster()?.server).toBe('https://b:6443');
  });

  it('names the missing file, where the path came from, and the fix', () => {
    const msg = userError(() => loadKubeConfig({ env: {}, home: dir }));
    expect(msg).toBe(
      `kubeconfig not found: ${dir}/.kube/config (from the default, as neither genestack.kubeconfig nor KUBECONFIG is set). ` +
        'The installer writes it in the "Fetch the kubeconfig" phase (P6): run or resume the deployment from that phase, ' +
        'or copy /etc/kubernetes/admin.conf from a control-plane host there, or point genestack.kubeconfig in the profile at an existing kubeconfig.',
    );
    expect(userError(() => loadKubeConfig({ kubeconfig: '/nope/k' }))).toMatch(
      /^kubeconfig not found: \/nope\/k \(from genestack.kubeconfig in the profile\)/,
    );
  });

  it('explains an unreadable file', () => {
    const file = write('k', KUBECONFIG('https://x'));
    vi.spyOn(fs, 'readFileSync').mockImplementation(() => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), {
        code: 'EACCES',
      });
    });
    expect(userError(() => loadKubeConfig({ kubeconfig: file }))).toBe(
      `cannot read kubeconfig ${file} (from genestack.kubeconfig in the profile): permission denied. ` +
        'Run the installer as the user that owns it, or give that user read access (chmod 600 keeps it private).',
    );
  });

  it('explains empty, non-YAML, directory and context-less files', () => {
    expect(userError(() => loadKubeConfig({ kubeconfig: write('e', '  \n') }))).toMatch(
      / is empty\. The installer writes it/,
    );
    expect(userError(() => loadKubeConfig({ kubeconfig: write('y', 'clusters: [\n') }))).toMatch(
      /^cannot load kubeconfig .*\/y \(from genestack.kubeconfig in the profile\): .*Check that it is a kubeconfig YAML file/s,
    );
    expect(userError(() => loadKubeConfig({ kubeconfig: dir }))).toMatch(/ is not a file;/);
    const noCtx = write(
      'n',
      KUBECONFIG('https://x').replace('current-context: ctx', 'current-context: gone'),
    );
    expect(userError(() => loadKubeConfig({ kubeconfig: noCtx }))).toBe(
      `kubeconfig ${noCtx} (from genestack.kubeconfig in the profile) has no usable current context ("gone" names no cluster). ` +
        `Set one with: kubectl --kubeconfig ${noCtx} config use-context CONTEXT`,
    );
  });

  it('refuses plain http unless TLS verification is explicitly skipped, as client-node does', () => {
    const file = write('h', KUBECONFIG('http://127.0.0.1:8080'));
    expect(userError(() => loadKubeConfig({ kubeconfig: file }))).toMatch(
      /uses plain http .*insecure-skip-tls-verify: true/,
    );
    const ok = write('h2', KUBECONFIG('http://127.0.0.1:8080', ', insecure-skip-tls-verify: true'));
    expect(loadKubeConfig({ kubeconfig: ok }).kubeConfig.getCurrentCluster()?.skipTLSVerify).toBe(
      true,
    );
  });
});

describe('API paths and errors', () => {
  it('builds collection paths for core, grouped, namespaced and cluster-scoped kinds', () => {
    const t = (kind: string) => BUILTIN_TYPES.find((x) => x.kind === kind)!;
    expect(collectionPath(t('Pod'), 'openstack')).toBe('/api/v1/namespaces/openstack/pods');
    expect(collectionPath(t('Pod'))).toBe('/api/v1/pods');
    expect(collectionPath(t('Node'), 'ignored')).toBe('/api/v1/nodes');
    expect(collectionPath(t('Deployment'), 'kube-system')).toBe(
      '/apis/apps/v1/namespaces/kube-system/deployments',
    );
    expect(parseApiVersion('ceph.rook.io/v1')).toEqual({ group: 'ceph.rook.io', version: 'v1' });
    expect(parseApiVersion('v1')).toEqual({ group: '', version: 'v1' });
  });

  it('turns a Status body into a message with a hint', () => {
    const e = statusError(
      403,
      JSON.stringify({
        kind: 'Status',
        reason: 'Forbidden',
        message: 'nodes is forbidden',
        code: 403,
      }),
      '/api/v1/nodes',
    );
    expect(e.message).toBe(
      '403 Forbidden: nodes is forbidden; the kubeconfig user lacks permission (the installer needs cluster-admin)',
    );
    expect(statusError(502, '<html>bad gateway</html>', '/x').message).toBe(
      '502 Bad Gateway: <html>bad gateway</html>',
    );
  });
});
