/** Version the agent reports in hello (bumped with releases of apps/agent). */
export const AGENT_VERSION = '0.1.0';
