import { z } from 'zod';
import { ManagementAddress, ObjectName } from '../model/primitives';
import { Id, Version } from './common';

/** What a managed host does: directs traffic (IPVS + VRRP) or serves it. */
export const NodeRole = z.enum(['DIRECTOR', 'REAL_SERVER'], { error: () => 'Role must be DIRECTOR or REAL_SERVER' });
export type NodeRole = z.infer<typeof NodeRole>;

/** Fields an admin sets on a node. */
export const NodeFields = z.object({ name: ObjectName, role: NodeRole, managementAddress: ManagementAddress });
export type NodeFields = z.infer<typeof NodeFields>;

/** Input to create a node in a cluster. */
export const CreateNodeInput = NodeFields.extend({ clusterId: Id });
export type CreateNodeInput = z.infer<typeof CreateNodeInput>;
/** Input to replace a node's fields at a known version. */
export const UpdateNodeInput = NodeFields.extend({ id: Id, version: Version });
export type UpdateNodeInput = z.infer<typeof UpdateNodeInput>;
