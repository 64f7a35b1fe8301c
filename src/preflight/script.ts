// The text sent on stdin of `ssh HOST sh -s`: the discovery probe (in a subshell, so its own
// `exit` ends only that), this host's work list as data, then assets/preflight.sh. One round
// trip gathers everything.
//
// The work list is the only part built from the profile. It is a quoted here-document (the
// shell expands nothing in it) read line by line into quoted arguments, and every item must
// also pass SAFE_TOKEN: no blank, no newline, no quote, no `$`. An item that does not is left out
// and reported by its check, never sent.

export interface HostWork {
  become: boolean;
  timeoutSeconds: number;
  /** The container runtime's directory. */
  runtimeDir: string;
  /** Host names to resolve. */
  names: string[];
  /** Other hosts' management addresses, with the port to try. */
  peers: { address: string; port: number }[];
  /** This host's OSD disk paths. */
  disks: string[];
}

/** Characters an item may have: those of DNS names, IP addresses and udev's by-id names. */
export const SAFE_TOKEN = /^[A-Za-z0-9._:+@=,%/-]+$/;

const DELIMITER = 'GSI_PF_DATA_END';

export function isSafeToken(s: string): boolean {
  return SAFE_TOKEN.test(s) && s.length <= 1024;
}

export function workLines(work: HostWork): string[] {
  const lines = [
    `become ${work.become ? 'yes' : 'no'}`,
    `timeout ${Math.max(1, Math.floor(work.timeoutSeconds))}`,
  ];
  if (isSafeToken(work.runtimeDir)) lines.push(`crdir ${work.runtimeDir}`);
  for (const n of work.names) if (isSafeToken(n)) lines.push(`name ${n}`);
  for (const p of work.peers) {
    if (isSafeToken(p.address) && Number.isInteger(p.port)) {
      lines.push(`peer ${p.address} ${p.port}`);
    }
  }
  for (const d of work.disks) if (isSafeToken(d)) lines.push(`disk ${d}`);
  return lines;
}

/** The whole stdin of the remote `sh -s`. */
export function buildPreflightInput(
  probeScript: string,
  preflightScript: string,
  work: HostWork,
): string {
  return [
    '(',
    probeScript.trimEnd(),
    ')',
    'gsi_pf_data() {',
    `cat <<'${DELIMITER}'`,
    ...workLines(work),
    DELIMITER,
    '}',
    preflightScript,
  ].join('\n');
}
