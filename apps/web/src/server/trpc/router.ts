import { router } from './init';
import { auditRouter } from './routers/audit-router';
import { authRouter } from './routers/auth-router';
import { clusterRouter } from './routers/cluster-router';
import { haPairRouter } from './routers/ha-pair-router';
import { nodeRouter } from './routers/node-router';
import { realServerRouter } from './routers/real-server-router';
import { serviceRouter } from './routers/service-router';
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
});

export type AppRouter = typeof appRouter;
