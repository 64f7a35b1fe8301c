// Runs discovery for every host in the `pending` state (mounted once, in the shell), and
// turns its events into reducer actions. Retrying a host puts it back to pending, which starts
// a new batch. Batches run until done; all are aborted when the wizard closes.
import { useEffect, useRef } from 'react';
import type { Dispatch } from 'react';
import type { WizardAction, WizardState } from '../../src/state/wizard';
import { sshOptionsFrom, type WizardServices } from './services';

export function useDiscovery(
  state: WizardState,
  dispatch: Dispatch<WizardAction>,
  services: WizardServices,
): void {
  const controllers = useRef(new Set<AbortController>());
  useEffect(() => {
    const all = controllers.current;
    return () => {
      for (const c of all) c.abort();
      all.clear();
    };
  }, []);

  const pending = state.hosts.filter((h) => h.progress.state === 'pending');
  const batch = pending.map((h) => h.key).join('\n');
  useEffect(() => {
    if (batch === '') return;
    const keys = new Set(batch.split('\n'));
    const targets = state.hosts.filter((h) => keys.has(h.key)).map((h) => h.target);
    const controller = new AbortController();
    controllers.current.add(controller);
    for (const t of targets) dispatch({ type: 'hostStarted', key: t.host });
    void (async () => {
      try {
        for await (const ev of services.discover(
          targets,
          sshOptionsFrom(state.ssh),
          controller.signal,
        )) {
          if (controller.signal.aborted) return;
          if (ev.type === 'host-done')
            dispatch({ type: 'hostDone', key: ev.host, result: ev.result });
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        for (const t of targets) {
          dispatch({
            type: 'hostDone',
            key: t.host,
            result: {
              host: t.host,
              target: t,
              durationMs: 0,
              status: 'sshFailed',
              error: (e as Error).message,
              fix: 'check the SSH settings on the Hosts screen',
              stderr: '',
            },
          });
        }
      } finally {
        controllers.current.delete(controller);
      }
    })();
    // A batch is identified by its host keys; it must not be cancelled when those hosts leave
    // the pending state (that is the batch starting), so there is no cleanup here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [batch]);
}
