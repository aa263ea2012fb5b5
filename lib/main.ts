#!/usr/bin/env node
/**
 * Entry point: `jibri-ts [serve]` runs the recorder service; `jibri-ts demo` records the bundled meeting
 * page for a few seconds through the HTTP API and prints what it made; `jibri-ts fleet` runs the
 * on-demand fleet server (lib/fleet). Nothing else lives here.
 */
import * as os from 'node:os';
import { ConfigError, environmentWithDotEnv, loadConfig } from './config';
import { compose } from './compose';
import { runDemo } from './demo/run';
import { runFleet } from './fleet/cli';
import { createLogger } from './log';

async function serve(): Promise<void> {
  const config = loadConfig(environmentWithDotEnv(process.env), os.hostname());
  const log = createLogger(config.logLevel);
  const service = await compose(config, log);
  // SIGTERM drains (platforms send it to retire a recorder); SIGINT stops now. See lib/lifecycle.ts.
  process.on('SIGINT', () => service.lifecycle.request('SIGINT'));
  process.on('SIGTERM', () => service.lifecycle.request('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === 'serve') return serve();
  if (command === 'demo') return runDemo({ seconds: Number(argv[1] ?? 10) });
  if (command === 'fleet') return runFleet(argv.slice(1));
  if (command === '--help' || command === 'help') {
    process.stdout.write('usage: jibri-ts [serve | demo [seconds] | fleet [admin ...]]\n');
    return;
  }
  throw new Error(`unknown command "${command}": use serve, demo or fleet`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `jibri-ts: ${(err as Error).message ?? String(err)}`}\n`);
  process.exit(1);
});
