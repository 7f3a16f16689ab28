import { router } from './init';
import { agentInstallRouter } from './routers/agent-install-router';
import { agentRouter } from './routers/agent-router';
import { auditRouter } from './routers/audit-router';
import { authRouter } from './routers/auth-router';
import { clusterRouter } from './routers/cluster-router';
import { drainRouter } from './routers/drain-router';
import { eventsRouter } from './routers/events-router';
import { haPairRouter } from './routers/ha-pair-router';
import { kernelRouter } from './routers/kernel-router';
import { liveRouter } from './routers/live-router';
import { nodeRouter } from './routers/node-router';
import { realServerRouter } from './routers/real-server-router';
import { serviceRouter } from './routers/service-router';
import { statsRouter } from './routers/stats-router';
import { userRouter } from './routers/user-router';

export const appRouter = router({
  auth: authRouter,
  cluster: clusterRouter,
  node: nodeRouter,
  haPair: haPairRouter,
  service: serviceRouter,
  realServer: realServerRouter,
  audit: auditRouter,
  user: userRouter,
  agent: agentRouter,
  agentInstall: agentInstallRouter,
  stats: statsRouter,
  events: eventsRouter,
  live: liveRouter,
  drain: drainRouter,
  kernel: kernelRouter,
});

export type AppRouter = typeof appRouter;
