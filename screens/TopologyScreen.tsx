import { useState } from 'react';
import { Box, Text } from 'ink';
import { Choice } from '../components/Choice';
import { TOPOLOGIES, type Topology } from '../src/profile/vocabulary';
import { recommendTopology, usableHosts } from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';

const TEXT: Record<Topology, { label: string; lines: string[] }> = {
  hyperconverged: {
    label: 'Hyperconverged',
    lines: [
      'Every host runs everything: Kubernetes, the OpenStack control plane, OVN networking,',
      'compute and storage. etcd and the Kubernetes control plane go to the first three hosts.',
      'Fewest machines; control-plane load competes with guests. Labs and small clouds.',
    ],
  },
  'full-scale': {
    label: 'Full-scale',
    lines: [
      'The first three hosts run the Kubernetes and OpenStack control planes; the others are',
      'compute and network hosts; storage goes to the hosts with free disks.',
      'Guests never compete with the control plane; needs 6 or more hosts to pay off.',
    ],
  },
};

export function TopologyScreen() {
  const { state } = useView();
  const { dispatch, next } = useActions();
  const rec = recommendTopology(state);
  const [cursor, setCursor] = useState(TOPOLOGIES.indexOf(state.topology ?? rec.topology));

  useKeys((e) => {
    const a = actionsOf(e, 'topology');
    if (a.has('up')) return (setCursor(0), true);
    if (a.has('down')) return (setCursor(1), true);
    if (a.has('toggle'))
      return (dispatch({ type: 'setTopology', topology: TOPOLOGIES[cursor]! }), true);
    if (a.has('next')) {
      dispatch({ type: 'setTopology', topology: TOPOLOGIES[cursor]! });
      next();
      return true;
    }
    return false;
  });

  return (
    <Box flexDirection="column">
      <Text>
        {usableHosts(state).length} hosts discovered. Recommended:{' '}
        <Text bold color="green">
          {TEXT[rec.topology].label}
        </Text>{' '}
        ({rec.why}).
      </Text>
      <Text> </Text>
      {TOPOLOGIES.map((t, i) => (
        <Box key={t} flexDirection="column" marginBottom={1}>
          <Choice
            label={TEXT[t].label}
            focused={i === cursor}
            checked={state.topology === t}
            note={t === rec.topology ? '(recommended)' : undefined}
          />
          {TEXT[t].lines.map((l) => (
            <Text key={l} dimColor wrap="truncate">
              {'      '}
              {l}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
