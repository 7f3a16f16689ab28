import { ConfigError, parseCommandLine } from './config/agent-config';
import { readTokenFile } from './config/read-token-file';
import { Agent } from './agent';
import { createLinuxHost } from './host/linux-host';
import { createLogger } from './log/logger';
import { createFileStateStore } from './state/state-store';
import { AGENT_VERSION } from './version';

// Entry point of dist/agent.cjs: configuration errors exit 2 with a message, SIGTERM/SIGINT close the
// connection with 1001 and exit 0 leaving the host exactly as it is (fail static).
async function main(): Promise<void> {
  let commandLine;
  let token: string;
  try {
    commandLine = parseCommandLine(process.argv.slice(2), process.env);
    if (commandLine.kind === 'help') {
      process.stdout.write(commandLine.text);
      return;
    }
    if (commandLine.kind === 'version') {
      process.stdout.write(`${AGENT_VERSION}\n`);
      return;
    }
    token = readTokenFile(commandLine.config.tokenFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`fulcrum-agent: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const config = commandLine.config;
  const log = createLogger({ level: config.logLevel });
  const agent = new Agent({ config, token, host: createLinuxHost(config), store: createFileStateStore(config.stateDir), log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('agent-stopping', { signal, note: 'host state left as is' });
    void agent.stop().finally(() => {
      log.info('agent-stopped', {});
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => log.info('sighup-ignored', {}));
  process.on('unhandledRejection', (reason) => log.error('unhandled-rejection', { message: reason instanceof Error ? reason.message : String(reason) }));
  // config without the token file contents (the token itself is never in config)
  log.info('config', { ...config });
  await agent.start();
}

main().catch((e: unknown) => {
  process.stderr.write(`fulcrum-agent: fatal: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
