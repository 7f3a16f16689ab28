/** The columns that describe a real server, selected alike by the editor, the cluster view and the compiler. */
export const REAL_SERVER_FIELDS = {
  id: true,
  nodeId: true,
  address: true,
  port: true,
  weight: true,
  forwarding: true,
  adminState: true,
  upperThreshold: true,
  lowerThreshold: true,
} as const;
