// The step screens, loaded after the home screen's first frame (screens/hooks/useWizardCore.ts):
// with them come the profile schema (zod), YAML and the hardware requirements, which the home
// screen does not need.
export { HostsScreen } from './HostsScreen';
export { DiscoveryScreen } from './DiscoveryScreen';
export { TopologyScreen } from './TopologyScreen';
export { RolesScreen } from './RolesScreen';
export { NetworkScreen } from './NetworkScreen';
export { StorageScreen } from './StorageScreen';
export { ServicesScreen } from './ServicesScreen';
export { ReviewScreen } from './ReviewScreen';
