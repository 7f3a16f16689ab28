import { z } from 'zod';
import { AGENT_WS_PATH } from './frames';

/** ws:// or wss:// URL of the server's agent endpoint; a URL without a path gets /ws/agent. */
export const ServerUrl = z
  .string()
  .max(2048)
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL (expected ws://host:port${AGENT_WS_PATH} or wss://…)` });
      return z.NEVER;
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      ctx.addIssue({ code: 'custom', message: `must start with ws:// or wss:// (got ${url.protocol}//)` });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials: the token is read from the token file' });
      return z.NEVER;
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = AGENT_WS_PATH;
    if (url.pathname !== AGENT_WS_PATH) {
      ctx.addIssue({ code: 'custom', message: `path must be ${AGENT_WS_PATH} (got ${url.pathname})` });
      return z.NEVER;
    }
    if (url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
      return z.NEVER;
    }
    return url.toString();
  });
