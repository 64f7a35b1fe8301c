import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadProfileText, MAX_PROFILE_BYTES } from '../../src/profile/load';
import { renderProfileYaml } from '../../src/profile/save';
import { profileJsonSchemaText } from '../../src/profile/jsonSchema';

const sample = (name: string) => readFileSync(`profiles/${name}.yaml`, 'utf8');
const lab = sample('hyperconverged-lab');

function only(text: string, rule: string) {
  const r = loadProfileText(text);
  const found = r.findings.filter((f) => f.rule === rule);
  expect(found, JSON.stringify(r.findings, null, 1)).toHaveLength(1);
  return { result: r, finding: found[0]! };
}

describe('loading the sample profiles', () => {
  it.each(['hyperconverged-lab', 'hyperconverged-ceph', 'full-scale'])('%s is valid', (name) => {
    const r = loadProfileText(sample(name));
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.profile?.metadata.name).toBe(name);
  });

  it('resolves hyperconverged roles and says so, pointing at the host', () => {
    const r = loadProfileText(lab);
    expect(r.profile!.hosts[0]!.roles).toContain('etcd');
    const info = r.findings.find(
      (f) => f.rule === 'hyperconverged-roles' && f.path === 'hosts[1].roles',
    );
    expect(info?.severity).toBe('info');
    // hosts[1] is on the line of its "- name:" entry
    const line = lab.split('\n').findIndex((l) => l.includes('hc-1.cloud.example.com')) + 1;
    expect(info?.line).toBe(line);
  });
});

describe('YAML safety', () => {
  it('refuses files over 1 MiB before parsing', () => {
    const big = lab + '#' + 'x'.repeat(MAX_PROFILE_BYTES);
    const r = loadProfileText(big);
    expect(r.valid).toBe(false);
    expect(r.findings.map((f) => f.rule)).toEqual(['yaml-too-large']);
  });

  it('refuses duplicate keys with their position', () => {
    const text = lab.replace(
      'topology: hyperconverged',
      'topology: hyperconverged\ntopology: full-scale',
    );
    const { finding } = only(text, 'yaml-duplicate-key');
    const line = text.split('\n').indexOf('topology: full-scale') + 1;
    expect(finding.line).toBe(line);
    expect(finding.severity).toBe('error');
  });

  it('refuses alias expansion bombs', () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    let prev = 'a';
    for (let i = 0; i < 8; i++) {
      bomb += `n${i}: &n${i} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
      prev = `n${i}`;
    }
    const { result } = only(bomb, 'yaml-alias-bomb');
    expect(result.valid).toBe(false);
  });

  it('reports syntax errors with a line', () => {
    const r = loadProfileText('apiVersion: genestack-installer/v1\nkind: [Profile\n');
    expect(r.valid).toBe(false);
    expect(r.findings[0]!.rule).toBe('yaml-syntax');
    expect(r.findings[0]!.line).toBeGreaterThan(0);
  });

  it('refuses a document that is not a mapping', () => {
    expect(loadProfileText('- a\n- b\n').findings[0]!.rule).toBe('not-a-profile');
  });
});

describe('schema findings', () => {
  it('names an unknown key, where it is, and the key it probably meant', () => {
    const text = lab.replace('    address: 192.168.100.11', '    adress: 192.168.100.11');
    const r = loadProfileText(text);
    const unknown = r.findings.find((f) => f.rule === 'unknown-key')!;
    expect(unknown.path).toBe('hosts[1].adress');
    expect(unknown.message).toContain('did you mean "address"');
    expect(unknown.fix).toBe('rename it to "address"');
    expect(unknown.line).toBe(text.split('\n').indexOf('    adress: 192.168.100.11') + 1);
    expect(unknown.column).toBe(5);
    // the now-missing address is reported too
    expect(
      r.findings.some((f) => f.rule === 'missing-field' && f.path === 'hosts[1].address'),
    ).toBe(true);
  });

  it('lists the allowed keys when nothing is close', () => {
    const text = lab.replace('kind: Profile', 'kind: Profile\nzzzzzzzz: 1');
    const { finding } = only(text, 'unknown-key');
    expect(finding.fix).toContain('topology');
  });

  it('suggests the closest value of an enumeration', () => {
    const { finding } = only(
      lab.replace('topology: hyperconverged', 'topology: hyperconverge'),
      'wrong-value',
    );
    expect(finding.path).toBe('topology');
    expect(finding.message).toContain('did you mean "hyperconverged"');
  });

  it('reports a missing required field at its parent', () => {
    const text = lab.replace('    gatewayVip: 192.168.100.250\n', '');
    const { finding } = only(text, 'missing-field');
    expect(finding.path).toBe('network.metallb.gatewayVip');
    expect(finding.line).toBe(text.split('\n').indexOf('  metallb:') + 1);
  });

  it('reports a wrong type with the value found', () => {
    const { finding } = only(lab.replace('  port: 22', '  port: "twenty-two"'), 'wrong-type');
    expect(finding.path).toBe('ssh.port');
    expect(finding.message).toContain('a number');
  });

  it('refuses OSD disks named by kernel name', () => {
    const text = sample('hyperconverged-ceph').replace(
      '/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100001',
      '/dev/sdb',
    );
    const { finding } = only(text, 'wrong-format');
    expect(finding.path).toBe('hosts[0].osdDisks[0]');
    expect(finding.message).toContain('/dev/disk/by-id');
  });
});

describe('saving', () => {
  it('writes every default out, starts with the schema line, and loads back equal', () => {
    const r = loadProfileText(lab);
    const saved = renderProfileYaml(r.parsed!);
    expect(saved.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./genestack-installer-profile.schema.json',
    );
    expect(saved).toContain('joinCidr: 100.64.0.0/16');
    expect(saved).toContain('keystone: true');
    expect(saved).not.toContain('resolved');
    const again = loadProfileText(saved);
    expect(again.valid).toBe(true);
    expect(again.parsed).toEqual(r.parsed);
    // a hyperconverged host keeps "no roles chosen" rather than the computed list
    expect(again.parsed!.hosts[0]!.roles).toEqual([]);
  });
});

describe('the JSON Schema', () => {
  it('assets/profile.schema.json is generated from the zod schema (run npm run schema)', () => {
    expect(readFileSync('assets/profile.schema.json', 'utf8')).toBe(profileJsonSchemaText());
  });

  it('describes the fields other tools rely on', () => {
    const schema = JSON.parse(profileJsonSchemaText());
    expect(schema.properties.topology.enum).toEqual(['hyperconverged', 'full-scale']);
    expect(schema.required).toEqual(
      expect.arrayContaining([
        'apiVersion',
        'kind',
        'metadata',
        'topology',
        'hosts',
        'network',
        'storage',
      ]),
    );
    expect(schema.properties.hosts.items.additionalProperties).toBe(false);
  });
});

describe('empty values', () => {
  it('says which field is empty, once', () => {
    const r = loadProfileText(lab.replace('  name: hyperconverged-lab', '  name: "  "'));
    const f = r.findings.find((x) => x.path === 'metadata.name')!;
    expect(f.message).toBe('metadata.name must not be empty');
  });
});
