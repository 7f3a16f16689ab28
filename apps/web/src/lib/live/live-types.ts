// The live API's shapes, from the server's zod schemas (browser-safe: zod only, no database).
export type { LiveClusterEvent, LiveDirector, LiveHistory, LiveNode, LivePair, LiveRealServer, LiveService, KernelTables, AdoptDriftResult } from '@fulcrum/core/live/live-schemas';
export type { DrainJobView, DrainJobState } from '@fulcrum/core/drain/drain-schemas';
