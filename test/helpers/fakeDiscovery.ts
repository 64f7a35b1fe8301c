// Discovery replaced by facts parsed from recorded probe outputs (test/fixtures/probe), for
// screen tests that need hosts without SSH. The full walk (test/screens/walk.test.tsx) uses
// real sshd instead.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OSD_POLICY, judgeDisks, parseProbeOutput } from '../../src/discovery/index';
import type { DiscoveryEvent, HostFacts, HostResult, HostTarget } from '../../src/discovery/types';
import type { WizardServices } from '../../screens/hooks/services';

export function fixtureFacts(name: string): HostFacts {
  const file = fileURLToPath(new URL(`../fixtures/probe/${name}`, import.meta.url));
  return judgeDisks(parseProbeOutput(readFileSync(file, 'utf8')).facts, DEFAULT_OSD_POLICY);
}

export interface FakeDiscoveryOptions {
  facts?: (target: HostTarget, attempt: number) => HostFacts;
  /** Make a host fail (by its typed text) until `accepted` has its key. */
  unknownKey?: string[];
  /** Resolve each host only when release() is called (to see spinners). */
  manual?: boolean;
}

export function fakeDiscovery(opts: FakeDiscoveryOptions = {}) {
  const accepted = new Set<string>();
  const attempts = new Map<string, number>();
  let releases: (() => void)[] = [];
  const facts = opts.facts ?? (() => fixtureFacts('debian12-vm-virtio.txt'));
  const result = (t: HostTarget): HostResult => {
    const n = (attempts.get(t.host) ?? 0) + 1;
    attempts.set(t.host, n);
    if (opts.unknownKey?.includes(t.host) && !accepted.has(t.host)) {
      return {
        host: t.host,
        target: t,
        durationMs: 5,
        status: 'hostKeyUnknown',
        error: `${t.address} offered a host key that is not in known_hosts`,
        fix: 'compare the fingerprint with the host, then accept it',
        stderr: '',
        hostKeys: [
          {
            type: 'ED25519',
            fingerprint: 'SHA256:testfingerprint0000',
            knownHostsLine: `${t.address} ssh-ed25519 AAAA`,
          },
        ],
      };
    }
    return {
      host: t.host,
      target: t,
      durationMs: 5,
      status: 'ok',
      facts: facts(t, n),
      warnings: [],
    };
  };
  return {
    accepted,
    attempts,
    release() {
      const r = releases;
      releases = [];
      for (const f of r) f();
    },
    wrap(s: WizardServices): WizardServices {
      return {
        ...s,
        async *discover(targets): AsyncGenerator<DiscoveryEvent> {
          let i = 0;
          for (const t of targets) {
            yield { type: 'host-started', host: t.host, index: i };
            if (opts.manual) await new Promise<void>((r) => releases.push(r));
            yield { type: 'host-done', host: t.host, index: i, result: result(t) };
            i++;
          }
        },
        async acceptHostKeys(target) {
          accepted.add(target.host);
          return '/tmp/known_hosts (test)';
        },
      };
    },
  };
}
