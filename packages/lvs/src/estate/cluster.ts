import { z } from 'zod';
import { ObjectName } from '../model/primitives';
import { Description, Id, Version } from './common';

/** Fields an operator sets on a cluster. */
export const ClusterFields = z.object({ name: ObjectName, description: Description });
export type ClusterFields = z.infer<typeof ClusterFields>;

/**
 * Compile net.ipv4.vs.conn_reuse_mode=3 into every director: with the default 1 a client reusing a
 * source port still in the connection table reached a drained DR server up to 37 s after the drain.
 */
export const PreventPortReuseLeaks = z.boolean({ error: 'Prevent port-reuse leaks must be true or false' });

/** Input to create a cluster. */
export const CreateClusterInput = ClusterFields.extend({ preventPortReuseLeaks: PreventPortReuseLeaks.default(false) });
export type CreateClusterInput = z.infer<typeof CreateClusterInput>;
/** Input to replace a cluster's fields at a known version; `preventPortReuseLeaks` absent keeps the stored value. */
export const UpdateClusterInput = ClusterFields.extend({ id: Id, version: Version, preventPortReuseLeaks: PreventPortReuseLeaks.optional() });
export type UpdateClusterInput = z.infer<typeof UpdateClusterInput>;
