// One key router with priorities (gemini-cli's KeypressContext pattern): a single useInput for
// the whole app; components subscribe a handler with a priority, and the first handler that
// returns true consumes the key. No other component calls useInput.
import {
  createContext,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { useInput } from 'ink';
import type { KeyEvent } from './keymap';

export const PRIORITY = { low: 0, normal: 10, high: 20, holding: 25, critical: 30 } as const;
export type KeyHandler = (e: KeyEvent) => boolean;

interface Router {
  subscribe(h: { current: KeyHandler }, priority: number): () => void;
  /** Routes a key as if it had just been typed (keys held while a screen loaded). */
  emit(e: KeyEvent): void;
}

const RouterContext = createContext<Router | null>(null);

export function KeyRouterProvider({ children, active }: { children: ReactNode; active: boolean }) {
  const subs = useRef<{ h: { current: KeyHandler }; priority: number; seq: number }[]>([]);
  const seq = useRef(0);
  const router = useMemo<Router>(
    () => ({
      subscribe(h, priority) {
        const entry = { h, priority, seq: seq.current++ };
        subs.current.push(entry);
        return () => {
          subs.current = subs.current.filter((s) => s !== entry);
        };
      },
      emit(e) {
        // Highest priority first; among equals, the most recently mounted (the innermost) first.
        const ordered = [...subs.current].sort((a, b) => b.priority - a.priority || b.seq - a.seq);
        for (const s of ordered) if (s.h.current(e)) return;
      },
    }),
    [],
  );
  // Keys that arrive together (a fast typist, a paste of arrows, tmux send-keys) reach Ink in
  // one go, before React re-renders: a handler reading its state would see it as it was before
  // the first of them (Down Down Enter chose the first menu item). So one key per render: the
  // first at once, the others after the render the previous one caused.
  const queue = useRef<KeyEvent[]>([]);
  const waiting = useRef(false);
  const [rendered, setRendered] = useState(0);
  const deliver = (e: KeyEvent) => {
    waiting.current = true;
    router.emit(e);
    setRendered((n) => n + 1);
  };
  useEffect(() => {
    waiting.current = false;
    const next = queue.current.shift();
    if (next) deliver(next);
  }, [rendered]); // eslint-disable-line react-hooks/exhaustive-deps
  useInput(
    (input, key) => {
      if (waiting.current) queue.current.push({ input, key });
      else deliver({ input, key });
    },
    { isActive: active },
  );
  return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

/** Routes a key through the handlers, as if typed. */
export function useKeyEmitter(): (e: KeyEvent) => void {
  const router = useContext(RouterContext);
  return useMemo(() => (e: KeyEvent) => router?.emit(e), [router]);
}

/** Subscribe to keys; the latest handler closure is always used (no stale state). */
export function useKeys(
  handler: KeyHandler,
  priority: number = PRIORITY.normal,
  active = true,
): void {
  const router = useContext(RouterContext);
  const ref = useRef(handler);
  ref.current = handler;
  // A layout effect: subscribed in the same commit that draws the screen, so a key pressed
  // right after a screen appears reaches it (a passive effect runs later, and the key was lost).
  useLayoutEffect(() => {
    if (!router || !active) return;
    return router.subscribe(ref, priority);
  }, [router, priority, active]);
}
