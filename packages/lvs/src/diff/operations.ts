import type { Destination, ServiceIdentity, ServiceSpec } from '../model/ipvs';

/** One kernel change in an IPVS table, in the vocabulary of ipvsadm (-A/-E/-D, -a/-e/-d). */
export type IpvsOperation =
  | { op: 'add-service'; service: ServiceSpec }
  | { op: 'edit-service'; service: ServiceSpec; before: ServiceSpec }
  | { op: 'delete-service'; service: ServiceIdentity }
  | { op: 'add-destination'; service: ServiceIdentity; destination: Destination }
  | { op: 'edit-destination'; service: ServiceIdentity; destination: Destination; before: Destination }
  | { op: 'delete-destination'; service: ServiceIdentity; destination: Destination };

/** The order operations are emitted in (see diffIpvsTables for why). */
export const OPERATION_ORDER: readonly IpvsOperation['op'][] = [
  'add-service',
  'edit-service',
  'add-destination',
  'edit-destination',
  'delete-destination',
  'delete-service',
];
