// The Kubernetes side of a phase: pods, jobs and Helm releases of its namespace, watched live
// (src/kube/namespaceView.ts). When the API stops answering the last known state stays on
// screen, labelled with how long the API has been unreachable.
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { describeConnection } from '../src/kube/informer';
import type { NamespacePanelState } from '../screens/dashboard/hooks';
import { safeText } from '../src/terminal/sanitize';

const POD_COLOR: Record<string, string | undefined> = {
  crashloop: 'red',
  failed: 'red',
  pending: 'yellow',
  running: 'yellow',
  terminating: 'gray',
  ready: 'green',
  completed: 'gray',
};

export function KubePanel({
  panel,
  now,
  height,
}: {
  panel: NamespacePanelState;
  now: number;
  height: number;
}) {
  if (panel.kind === 'none') {
    return (
      <Text dimColor wrap="wrap">
        This phase&apos;s done-checks name no Kubernetes namespace: there is nothing of it to watch.
      </Text>
    );
  }
  if (panel.kind === 'opening')
    return <Text dimColor>namespace {safeText(panel.namespace)}: connecting…</Text>;
  if (panel.kind === 'problem') {
    return (
      <Box flexDirection="column">
        <Text bold>namespace {safeText(panel.namespace)}</Text>
        <Text color="yellow" wrap="wrap">
          No usable kubeconfig yet: {safeText(panel.problem, 600)}
        </Text>
        <Text dimColor>Tried again every few seconds.</Text>
      </Box>
    );
  }
  const m = panel.model;
  const conn = splitConnection(describeConnection(m.connection, now));
  const rows: { key: string; node: ReactNode }[] = [];
  for (const p of m.pods) {
    const why = p.reason
      ? ` ${safeText(p.reason)}${p.message ? `: ${safeText(p.message, 200)}` : ''}`
      : '';
    rows.push({
      key: `pod:${p.name}`,
      node: (
        <Text wrap="truncate">
          <Text color={POD_COLOR[p.state]}>{p.state.padEnd(13)}</Text>
          {safeText(p.name)} {p.ready}/{p.total}
          {p.restarts > 0 ? (
            <Text color={p.restarts > 2 ? 'red' : 'yellow'}> restarts {p.restarts}</Text>
          ) : null}
          <Text dimColor>{why}</Text>
        </Text>
      ),
    });
  }
  for (const j of m.jobs) {
    rows.push({
      key: `job:${j.name}`,
      node: (
        <Text wrap="truncate">
          <Text color={j.state === 'failed' ? 'red' : j.state === 'complete' ? 'green' : 'yellow'}>
            {`job ${j.state}`.padEnd(13)}
          </Text>
          {safeText(j.name)} {j.succeeded}/{j.completions}
          {j.failed > 0 ? ` failed ${j.failed}` : ''}
          {j.reason ? <Text dimColor> {safeText(j.reason)}</Text> : null}
        </Text>
      ),
    });
  }
  for (const r of m.releases) {
    rows.push({
      key: `rel:${r.name}`,
      node: (
        <Text wrap="truncate">
          <Text
            color={r.status === 'deployed' ? 'green' : r.status === 'failed' ? 'red' : 'yellow'}
          >
            {'helm'.padEnd(13)}
          </Text>
          {safeText(r.name)} rev {r.revision} {safeText(r.status)}
        </Text>
      ),
    });
  }
  const fit = Math.max(0, height - 2 - (conn.why !== null ? 1 : 0));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>namespace {safeText(m.namespace)}</Text>
        {' · '}
        pods {m.totals.ready}/{m.totals.pods} ready
        {m.totals.crashLooping > 0 ? (
          <Text color="red"> · {m.totals.crashLooping} crash-looping</Text>
        ) : null}
        {m.totals.pending > 0 ? <Text color="yellow"> · {m.totals.pending} pending</Text> : null}
        {!m.synced && m.connection.connected ? <Text dimColor> · listing…</Text> : null}
      </Text>
      <Text color={m.connection.connected ? 'green' : 'red'} wrap="truncate">
        {safeText(conn.head, 400)}
      </Text>
      {conn.why !== null ? (
        <Text dimColor wrap="truncate">
          {safeText(conn.why, 400)}
        </Text>
      ) : null}
      {rows.slice(0, fit).map((r) => (
        <Box key={r.key}>{r.node}</Box>
      ))}
      {rows.length > fit ? <Text dimColor>… {rows.length - fit} more</Text> : null}
      {rows.length === 0 && m.synced ? (
        <Text dimColor>No pods, jobs or Helm releases yet.</Text>
      ) : null}
    </Box>
  );
}

/** "API unreachable for 42 s (why); showing ..." as the status, then the reason on its own row. */
function splitConnection(text: string): { head: string; why: string | null } {
  const m = /^(API unreachable[^(]*?) \((.*)\); (showing the last known state)$/.exec(text);
  return m ? { head: `${m[1]}; ${m[3]}`, why: m[2]! } : { head: text, why: null };
}
