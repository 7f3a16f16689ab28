// Stamped by build.ts into the bundle; unbundled runs (tests under tsx) report the package version.
declare const __FULCRUM_AGENT_VERSION__: string | undefined;

/** Version the agent reports in hello (the bundle's banner carries the same string). */
export const AGENT_VERSION: string = typeof __FULCRUM_AGENT_VERSION__ === 'string' ? __FULCRUM_AGENT_VERSION__ : '0.1.0';
