import { useState } from 'react';
import { Box, Text } from 'ink';
import { Choice } from '../components/Choice';
import { OPENSTACK_SERVICES } from '../src/profile/vocabulary';
import { dependentsOf, requirementsOf } from '../src/profile/services';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';

export function ServicesScreen() {
  const { state, bodyRows } = useView();
  const { dispatch, next } = useActions();
  const [cursor, setCursor] = useState(0);
  useKeys((e) => {
    const a = actionsOf(e, 'services');
    if (a.has('up')) return (setCursor((c) => Math.max(0, c - 1)), true);
    if (a.has('down'))
      return (setCursor((c) => Math.min(OPENSTACK_SERVICES.length - 1, c + 1)), true);
    if (a.has('toggle'))
      return (dispatch({ type: 'toggleService', service: OPENSTACK_SERVICES[cursor]! }), true);
    if (a.has('next')) return (next(), true);
    return false;
  });
  const visible = Math.max(1, bodyRows - 2);
  const start = Math.max(0, Math.min(cursor - visible + 1, OPENSTACK_SERVICES.length - visible));
  const cur = OPENSTACK_SERVICES[cursor]!;
  const deps = dependentsOf(cur).filter((d) => state.services[d]);
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        {state.services[cur] && deps.length > 0
          ? `turning ${cur} off also turns off: ${deps.join(', ')}`
          : `${cur} needs: ${requirementsOf(cur).join(', ') || 'nothing else'}`}
      </Text>
      {OPENSTACK_SERVICES.slice(start, start + visible).map((s, vi) => (
        <Choice
          key={s}
          label={s}
          focused={start + vi === cursor}
          checked={state.services[s]}
          note={requirementsOf(s).length > 0 ? `needs ${requirementsOf(s).join(', ')}` : undefined}
        />
      ))}
    </Box>
  );
}
