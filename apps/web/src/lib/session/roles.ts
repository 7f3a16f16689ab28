/** Browser user roles, least to most privileged (mirrors the server's Role enum). */
export type Role = 'VIEWER' | 'OPERATOR' | 'ADMIN';

const RANK: Record<Role, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

/** Whether `role` has at least the privileges of `required`. Missing role (logged out) has none. */
export function hasRole(role: Role | null | undefined, required: Role): boolean {
  if (!role) return false;
  return RANK[role] >= RANK[required];
}

/** Operators edit services, real servers and weights. */
export function canOperate(role: Role | null | undefined): boolean {
  return hasRole(role, 'OPERATOR');
}

/** Admins additionally edit clusters, nodes, HA pairs and users. */
export function canAdminister(role: Role | null | undefined): boolean {
  return hasRole(role, 'ADMIN');
}

export const ROLE_LABEL: Record<Role, string> = { VIEWER: 'Viewer', OPERATOR: 'Operator', ADMIN: 'Admin' };
