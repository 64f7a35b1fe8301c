// Maps the lines written by assets/callback/genestack_events.py to journal events. Pure: the
// engine tails GENESTACK_EVENTS_FILE and feeds each line here with the phase it belongs to.
import type { HostResultStatus, HostStats, JournalEventInput } from './events';
import { HOST_RESULT_STATUSES } from './events';

/** Version of the plugin's line format this build understands. */
export const ANSIBLE_EVENTS_VERSION = 1;

/** One line of the callback plugin, as parsed. */
export type AnsiblePluginEvent =
  | { event: 'playbook_start'; playbook?: string }
  | { event: 'play_start'; name: string; hosts?: string[] }
  | {
      event: 'task_start';
      play: string;
      task: string;
      action?: string;
      task_index?: number;
      handler?: boolean;
    }
  | {
      event: 'host_result';
      host: string;
      task: string;
      status: HostResultStatus;
      msg?: string;
      stderr?: string;
      rc?: number;
      ignored?: boolean;
      changed?: boolean;
      delegated_to?: string;
    }
  | { event: 'stats'; hosts: Record<string, HostStats> }
  | { event: 'warning'; message: string };

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown) => v === undefined || typeof v === 'string';
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/**
 * Parses one plugin line; null for a blank, malformed or unknown line. A newer plugin (higher
 * `v`) keeps the meaning of the fields known here: what it adds is ignored, never fatal.
 */
export function parseAnsibleEventLine(line: string): AnsiblePluginEvent | null {
  const text = line.trim();
  if (text === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(v) || typeof v.event !== 'string') return null;
  switch (v.event) {
    case 'playbook_start':
      return optStr(v.playbook) ? { event: 'playbook_start', ...pick(v, ['playbook']) } : null;
    case 'play_start':
      if (typeof v.name !== 'string') return null;
      return {
        event: 'play_start',
        name: v.name,
        ...(Array.isArray(v.hosts) && v.hosts.every((h) => typeof h === 'string')
          ? { hosts: v.hosts as string[] }
          : {}),
      };
    case 'task_start':
      if (typeof v.task !== 'string') return null;
      return {
        event: 'task_start',
        play: typeof v.play === 'string' ? v.play : '',
        task: v.task,
        ...pick(v, ['action']),
        ...(isInt(v.task_index) ? { task_index: v.task_index as number } : {}),
        ...(v.handler === true ? { handler: true } : {}),
      };
    case 'host_result': {
      if (typeof v.host !== 'string' || typeof v.task !== 'string') return null;
      const status = v.status as HostResultStatus;
      if (!HOST_RESULT_STATUSES.includes(status)) return null;
      return {
        event: 'host_result',
        host: v.host,
        task: v.task,
        status,
        ...pick(v, ['msg', 'stderr', 'delegated_to']),
        ...(isInt(v.rc) ? { rc: v.rc as number } : {}),
        ...(v.ignored === true ? { ignored: true } : {}),
        ...(v.changed === true ? { changed: true } : {}),
      };
    }
    case 'stats': {
      if (!isObj(v.hosts)) return null;
      const hosts: Record<string, HostStats> = {};
      for (const [host, s] of Object.entries(v.hosts)) {
        if (!isObj(s)) return null;
        const n = (k: string) => (isInt(s[k]) ? (s[k] as number) : 0);
        Object.defineProperty(hosts, host, {
          value: {
            ok: n('ok'),
            changed: n('changed'),
            failures: n('failures'),
            skipped: n('skipped'),
            unreachable: n('unreachable'),
            rescued: n('rescued'),
            ignored: n('ignored'),
          },
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return { event: 'stats', hosts };
    }
    case 'warning':
      return typeof v.message === 'string' ? { event: 'warning', message: v.message } : null;
    default:
      return null;
  }
}

function pick(v: Record<string, unknown>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (typeof v[k] === 'string') out[k] = v[k];
  return out;
}

/** The journal event for a plugin event of phase `phaseId`. */
export function toJournalEvent(ev: AnsiblePluginEvent, phaseId: string): JournalEventInput {
  switch (ev.event) {
    case 'playbook_start':
      return {
        type: 'ansible-playbook-started',
        phaseId,
        ...(ev.playbook !== undefined ? { playbook: ev.playbook } : {}),
      };
    case 'play_start':
      return {
        type: 'ansible-play-started',
        phaseId,
        name: ev.name,
        ...(ev.hosts !== undefined ? { hosts: ev.hosts } : {}),
      };
    case 'task_start':
      return {
        type: 'ansible-task-started',
        phaseId,
        play: ev.play,
        task: ev.task,
        ...(ev.task_index !== undefined ? { taskIndex: ev.task_index } : {}),
      };
    case 'host_result': {
      const out: JournalEventInput = {
        type: 'ansible-host-result',
        phaseId,
        host: ev.host,
        task: ev.task,
        status: ev.status,
      };
      if (ev.msg !== undefined) out.msg = ev.msg;
      if (ev.stderr !== undefined) out.stderr = ev.stderr;
      if (ev.ignored === true) out.ignored = true;
      if (ev.ignored === true && ev.changed === true) out.changed = true;
      return out;
    }
    case 'stats':
      return { type: 'ansible-stats', phaseId, hosts: ev.hosts };
    case 'warning':
      return { type: 'warning', phaseId, message: ev.message };
  }
}

/** Parses a plugin line and maps it; null when the line is not a known event. */
export function ansibleLineToJournal(line: string, phaseId: string): JournalEventInput | null {
  const ev = parseAnsibleEventLine(line);
  return ev === null ? null : toJournalEvent(ev, phaseId);
}
