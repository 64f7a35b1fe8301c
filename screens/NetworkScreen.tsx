import { useEffect, useState } from 'react';
import { Box } from 'ink';
import { MissingFacts } from '../components/MissingFacts';
import { TextField } from '../components/TextField';
import { Findings } from '../components/Findings';
import { providerInterfaceCandidates } from '../src/discovery/providerInterfaces';
import {
  factsOf,
  hostsWithoutFacts,
  networkFieldError,
  usableHosts,
  type NetworkField,
} from '../src/state/wizard';
import { useActions, useView } from './context';
import { useKeys } from './keyRouter';
import { actionsOf } from './keymap';
import { editText } from './hooks/editText';

const FIELDS: { id: NetworkField; label: string; hint: string }[] = [
  {
    id: 'managementInterface',
    label: 'Management interface',
    hint: '←/→ picks from the hosts’ interfaces',
  },
  {
    id: 'providerInterface',
    label: 'Provider interface',
    hint: '←/→: on every host, up, no address',
  },
  { id: 'managementCidr', label: 'Management network', hint: 'the hosts’ network, a.b.c.d/n' },
  { id: 'podCidr', label: 'Pod network', hint: 'Genestack default 10.236.0.0/14' },
  { id: 'serviceCidr', label: 'Service network', hint: 'Genestack default 10.233.0.0/18' },
  { id: 'joinCidr', label: 'Join network', hint: 'Kube-OVN default 100.64.0.0/16' },
  {
    id: 'metallbPrimary',
    label: 'MetalLB pool',
    hint: 'ranges or CIDRs, comma separated, on the management network',
  },
  { id: 'gatewayVip', label: 'Gateway VIP', hint: 'one free address: public endpoints' },
  { id: 'domain', label: 'Domain', hint: 'endpoints become <service>.<domain>' },
  { id: 'acmeEmail', label: 'ACME email', hint: 'optional: Let’s Encrypt; self-signed without' },
];

export function NetworkScreen() {
  const { state, validation, bodyRows } = useView();
  const { dispatch, next } = useActions();
  const [focus, setFocus] = useState(0);
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    dispatch({ type: 'prefillNetwork' });
  }, [dispatch]);

  const hosts = usableHosts(state).flatMap((h) => {
    const f = factsOf(h);
    return f ? [{ host: h.target.host, facts: f }] : [];
  });
  const providers = providerInterfaceCandidates(hosts);
  const mgmtNames = [
    ...new Set(
      hosts.flatMap((h) =>
        h.facts.nics
          .filter((n) => n.addresses.length > 0 && n.kind !== 'loopback')
          .map((n) => n.name),
      ),
    ),
  ];
  const options: Partial<Record<NetworkField, string[]>> = {
    managementInterface:
      mgmtNames.length > 0
        ? mgmtNames
        : [...new Set(hosts.flatMap((h) => h.facts.nics.map((n) => n.name)))],
    providerInterface: providers.filter((p) => p.usable).map((p) => p.name),
  };
  const fieldErr = (f: NetworkField) => networkFieldError(f, state.network[f]);
  const providerProblem = (() => {
    const name = state.network.providerInterface;
    const c = providers.find((p) => p.name === name);
    if (!name || hosts.length === 0) return undefined;
    if (!c) return `${name} does not exist on any host`;
    if (c.usable) return undefined;
    const bad = c.hosts.find((h) => !h.ok);
    return bad ? `${bad.host}: ${bad.reasons.map((r) => r.message).join('; ')}` : undefined;
  })();
  const errors = Object.fromEntries(
    FIELDS.map((f) => [
      f.id,
      f.id === 'providerInterface' ? (fieldErr(f.id) ?? providerProblem) : fieldErr(f.id),
    ]),
  ) as Record<NetworkField, string | undefined>;

  useKeys((e) => {
    const a = actionsOf(e, 'network');
    const field = FIELDS[focus]!.id;
    if (a.has('up')) return (setFocus((f) => Math.max(0, f - 1)), true);
    if (a.has('down')) return (setFocus((f) => Math.min(FIELDS.length - 1, f + 1)), true);
    const opts = options[field];
    if ((a.has('left') || a.has('right')) && opts && opts.length > 0) {
      const i = opts.indexOf(state.network[field]);
      const j = a.has('right') ? (i + 1) % opts.length : (i <= 0 ? opts.length : i) - 1;
      dispatch({ type: 'setNetwork', field, value: opts[j]! });
      return true;
    }
    if (a.has('next')) {
      setTouched(true);
      const bad = FIELDS.findIndex((f) => errors[f.id] !== undefined);
      if (bad >= 0) return (setFocus(bad), true);
      const ruleError = validation.findings.find(
        (f) => f.severity === 'error' && f.path.startsWith('network'),
      );
      if (ruleError) return true;
      next();
      return true;
    }
    if ((e.key.delete || e.key.backspace) && state.network[field] === '') return false;
    const v = editText(state.network[field], e);
    if (v !== undefined) return (dispatch({ type: 'setNetwork', field, value: v }), true);
    return false;
  });

  const netFindings = validation.findings.filter(
    (f) => f.path.startsWith('network') && f.severity !== 'info',
  );
  // Hosts whose interfaces are unknown (a --profile's host not reached): the saved answers stay.
  const unknown = hostsWithoutFacts(state);
  const fieldRows = FIELDS.length + 1 + (unknown.length > 0 ? 1 : 0);
  const findingsMax = Math.max(1, bodyRows - fieldRows - 1);
  return (
    <Box flexDirection="column">
      {FIELDS.map((f, i) => {
        const opts = options[f.id];
        const showErr = state.network[f.id] !== '' || touched || i < focus;
        return (
          <TextField
            key={f.id}
            label={f.label}
            value={state.network[f.id]}
            focused={i === focus}
            error={showErr ? errors[f.id] : undefined}
            hint={opts && opts.length > 0 ? `${f.hint} (${opts.join(', ')})` : f.hint}
          />
        );
      })}
      <MissingFacts hosts={unknown} what="its interfaces are not listed; saved answers are kept" />
      <Findings
        findings={netFindings.filter((x) => !Object.values(errors).includes(x.message))}
        max={findingsMax}
      />
    </Box>
  );
}
