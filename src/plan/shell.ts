// Recognising `bash -c SCRIPT` in an argv: the catalog forbids profile values in SCRIPT, and the
// plan shows SCRIPT on its own lines rather than as one quoted word.
import path from 'node:path';

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh']);

/** The index of the script argument when argv runs a shell with -c (after an optional sudo), else -1. */
export function shellScriptIndex(argv: readonly string[]): number {
  let i = 0;
  if (argv[i] !== undefined && path.posix.basename(argv[i]!) === 'sudo') {
    i++;
    while (argv[i]?.startsWith('-')) i++;
  }
  if (argv[i] === undefined || !SHELLS.has(path.posix.basename(argv[i]!))) return -1;
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j]!;
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(a)) return j + 1 < argv.length ? j + 1 : -1;
    if (!a.startsWith('-')) return -1;
  }
  return -1;
}

/** Stands for a script shown apart; displayArgv prints it as is. */
export const SCRIPT_TOKEN = '"$SCRIPT"';

/** For display: the argv with a multi-line script replaced by SCRIPT_TOKEN, and the script. */
export function splitScript(argv: readonly string[]): { argv: string[]; script?: string } {
  const i = shellScriptIndex(argv);
  if (i < 0 || !argv[i]!.includes('\n')) return { argv: [...argv] };
  return {
    argv: argv.map((a, j) => (j === i ? SCRIPT_TOKEN : a)),
    script: argv[i]!.replace(/\n$/, ''),
  };
}
