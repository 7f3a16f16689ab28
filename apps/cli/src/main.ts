import { runCli } from './cli';

// `npm run fulcrum -- <command> ...` (tsx apps/cli/src/main.ts). Ctrl-C aborts what is in flight:
// requests, and the following of an operation, which keeps running on the server.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const exitCode = await runCli({ argv: process.argv.slice(2), env: process.env, io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, signal: controller.signal });
// Exit now rather than when the event loop drains: an idle keep-alive socket must not hold the shell.
process.exit(exitCode);
