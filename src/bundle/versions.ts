// Versions of the installer and of the tools the phases run. A missing tool is a fact for the
// support engineer ("not found"), not an error of the bundle.
import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';

export interface ToolVersion {
  name: string;
  argv: string[];
  status: 'ok' | 'not found' | 'failed';
  /** What the tool printed (stdout, then stderr), trimmed. */
  output?: string;
  /** Why it failed (exit code, timeout). */
  error?: string;
}

export interface Versions {
  installer: string;
  node: string;
  platform: string;
  tools: ToolVersion[];
}

export const TOOL_COMMANDS: ReadonlyArray<{ name: string; argv: string[] }> = [
  { name: 'ansible', argv: ['ansible', '--version'] },
  { name: 'kubectl', argv: ['kubectl', 'version', '--client'] },
  { name: 'helm', argv: ['helm', 'version'] },
];

const TOOL_TIMEOUT_MS = 15_000;

export async function toolVersion(
  name: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<ToolVersion> {
  const r = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    stdin: 'ignore',
    env,
    extendEnv: false,
    timeout: TOOL_TIMEOUT_MS,
  });
  const output = [String(r.stdout ?? ''), String(r.stderr ?? '')]
    .filter((t) => t.trim() !== '')
    .join('\n')
    .trim();
  if ((r as { code?: string }).code === 'ENOENT') return { name, argv, status: 'not found' };
  if (r.timedOut) {
    return { name, argv, status: 'failed', error: `no answer within ${TOOL_TIMEOUT_MS / 1000} s` };
  }
  if (r.exitCode !== 0) {
    return {
      name,
      argv,
      status: 'failed',
      error: `exit ${r.exitCode ?? r.signal ?? '?'}`,
      ...(output ? { output } : {}),
    };
  }
  return { name, argv, status: 'ok', output };
}

/**
 * The tools as the phases see them: the plan's pathPrepend (Genestack's venv, where its
 * ansible lives) goes in front of PATH.
 */
export async function collectVersions(
  installer: string,
  pathPrepend: readonly string[] = [],
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<Versions> {
  // Some tools colour their output when they think a person reads it.
  const env: NodeJS.ProcessEnv = { ...baseEnv, NO_COLOR: '1' };
  if (pathPrepend.length > 0) {
    env.PATH = [...pathPrepend, baseEnv.PATH ?? ''].filter((p) => p !== '').join(path.delimiter);
  }
  const tools = await Promise.all(TOOL_COMMANDS.map((t) => toolVersion(t.name, t.argv, env)));
  return {
    installer,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    tools,
  };
}

/** versions.txt: what `--version` of each would print, one section per tool. */
export function formatVersions(v: Versions): string {
  const lines = [
    `genestack-installer ${v.installer}`,
    `node ${v.node}`,
    `platform ${v.platform}`,
    '',
  ];
  for (const t of v.tools) {
    lines.push(`== ${t.name} (${t.argv.join(' ')}): ${t.status}${t.error ? `, ${t.error}` : ''}`);
    if (t.output) lines.push(t.output);
    lines.push('');
  }
  return lines.join('\n');
}
