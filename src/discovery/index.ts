// Hardware discovery: what each host is, and how it measures up to what Genestack needs.
// See docs/discovery.md. The pure parts (parse, eligibility, requirements, provider
// interfaces, host lists) do no I/O; ssh.ts, discover.ts and assets.ts do.
export * from './types';
export * from './parse';
export * from './eligibility';
export * from './requirements';
export * from './providerInterfaces';
export * from './hostList';
export * from './ssh';
export * from './discover';
export * from './assets';
