import { z } from 'zod';
import { ObjectName } from '../model/primitives';
import { Description, Id, Version } from './common';

/** Fields an operator sets on a cluster. */
export const ClusterFields = z.object({ name: ObjectName, description: Description });
export type ClusterFields = z.infer<typeof ClusterFields>;

/** Input to create a cluster. */
export const CreateClusterInput = ClusterFields;
/** Input to replace a cluster's fields at a known version. */
export const UpdateClusterInput = ClusterFields.extend({ id: Id, version: Version });
export type UpdateClusterInput = z.infer<typeof UpdateClusterInput>;
