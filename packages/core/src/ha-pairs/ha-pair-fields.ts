/**
 * The columns that describe an HA pair's VRRP set-up, selected alike by the editor, the cluster view
 * and the desired-state compiler. `authSecret` is among them: each caller decides whether it may leave.
 */
export const HA_PAIR_FIELDS = {
  id: true,
  name: true,
  interface: true,
  virtualRouterId: true,
  advertInterval: true,
  authSecret: true,
  primaryNodeId: true,
  primaryPriority: true,
  secondaryNodeId: true,
  secondaryPriority: true,
  primaryUnicastIp: true,
  secondaryUnicastIp: true,
  vips: true,
  natGatewayIp: true,
} as const;
