// The dashboard's hooks: the run's state from the store (useSyncExternalStore, so React reads it
// at most as often as the store publishes: 10 times a second), a clock for elapsed times and the
// heartbeat, the live namespace model, and the phase log read back from its file.
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { RunStoreSnapshot } from '../../src/state/runStore';
import type { NamespaceModel } from '../../src/kube/namespaceView';
import type { DashboardServices, NamespaceSource } from './services';
import type { LogHistory } from './logView';

export function useRunStore(services: DashboardServices): RunStoreSnapshot {
  const { store } = services;
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The time, refreshed every `everyMs` (elapsed times, the heartbeat, "unreachable for"). */
export function useNow(services: DashboardServices, everyMs = 1000): number {
  const [now, setNow] = useState(() => services.now());
  useEffect(() => {
    const t = setInterval(() => setNow(services.now()), everyMs);
    return () => clearInterval(t);
  }, [services, everyMs]);
  return now;
}

export type NamespacePanelState =
  | { kind: 'none' }
  | { kind: 'opening'; namespace: string }
  | { kind: 'problem'; namespace: string; problem: string }
  | { kind: 'live'; namespace: string; model: NamespaceModel };

/** How long to wait before trying again when the kubeconfig is not there yet. */
export const KUBE_RETRY_MS = 5000;

/** Watches `namespace` while the panel shows it; a missing kubeconfig is retried. */
export function useNamespace(
  services: DashboardServices,
  namespace: string | null,
): NamespacePanelState {
  const [state, setState] = useState<NamespacePanelState>({ kind: 'none' });
  useEffect(() => {
    if (namespace === null) {
      setState({ kind: 'none' });
      return;
    }
    let cancelled = false;
    let source: NamespaceSource | null = null;
    let off: (() => void) | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    setState({ kind: 'opening', namespace });
    const attempt = async () => {
      const r = await services.openNamespace(namespace);
      if (cancelled) {
        await r.source?.stop();
        return;
      }
      if (r.source === null) {
        setState({ kind: 'problem', namespace, problem: r.problem });
        retry = setTimeout(() => void attempt(), KUBE_RETRY_MS);
        return;
      }
      source = r.source;
      setState({ kind: 'live', namespace, model: source.snapshot() });
      off = source.onChange((model) => {
        if (!cancelled) setState({ kind: 'live', namespace, model });
      });
    };
    void attempt();
    return () => {
      cancelled = true;
      if (retry !== null) clearTimeout(retry);
      off?.();
      void source?.stop();
    };
  }, [services, namespace]);
  return state;
}

/**
 * The phase's log file, read when `wanted` turns true (the log panel scrolled past the tail)
 * and again when the phase or its attempt changes. Null until read.
 */
export function useLogHistory(
  services: DashboardServices,
  phaseId: string | null,
  wanted: boolean,
  totalNow: number,
): LogHistory | null {
  const [history, setHistory] = useState<{ key: string; h: LogHistory } | null>(null);
  const key = phaseId ?? '';
  const have = history !== null && history.key === key;
  useEffect(() => {
    if (!wanted || phaseId === null || have) return;
    let cancelled = false;
    services
      .readPhaseLog(phaseId, totalNow)
      .then((h) => {
        if (!cancelled) setHistory({ key: phaseId, h });
      })
      .catch(() => {
        // an unreadable log: the tail stays what there is
      });
    return () => {
      cancelled = true;
    };
    // totalNow is read at the time of the read only: a new line must not re-read the file.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [services, phaseId, wanted, have]);
  return have ? history.h : null;
}
