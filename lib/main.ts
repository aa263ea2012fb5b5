#!/usr/bin/env node
/**
 * Entry point: `jibri-ts [serve]` runs the recorder service; `jibri-ts demo` records the bundled meeting
 * page for a few seconds through the HTTP API and prints what it made; `jibri-ts fleet` runs the
 * on-demand fleet server (the @jibri-ts/fleet package, packages/fleet, when it is installed beside); `jibri-ts config get NAME` prints a setting's value for the ops
 * scripts. Nothing else lives here.
 */
import * as os from 'node:os';
import { ConfigError, environmentWithDotEnv, loadServiceConfig, settingValue } from './config';
import { compose } from './compose';
import { runDemo } from './demo/run';
import { createLogger } from './log';

async function serve(): Promise<void> {
  const config = await loadServiceConfig(environmentWithDotEnv(process.env), os.hostname());
  const log = createLogger(config.logLevel);
  const service = await compose(config, log);
  // SIGTERM drains (platforms send it to retire a recorder); SIGINT stops now. See lib/lifecycle.ts.
  process.on('SIGINT', () => service.lifecycle.request('SIGINT'));
  process.on('SIGTERM', () => service.lifecycle.request('SIGTERM'));
}

/**
 * `jibri-ts fleet`: the fleet is a package of its own (@jibri-ts/fleet) with its own dependencies, which
 * the recorder package does not carry; a checkout has both, the recorder image only the recorder. It is
 * loaded by name, so the recorder's build neither compiles nor types it.
 */
async function runFleet(argv: string[]): Promise<void> {
  const name = '@jibri-ts/fleet';
  let fleet: { runFleet(argv: string[]): Promise<void> };
  try {
    fleet = (await import(name)) as typeof fleet;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(name)) throw err;
    throw new Error(`the fleet is not installed here: it is its own package (${name}, packages/fleet) and image (jibri-ts-fleet, Dockerfile target fleet). In a checkout run npm run setup; with Docker run the jibri-ts-fleet image (docs/FLEET.md)`, { cause: err });
  }
  return fleet.runFleet(argv);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === 'serve') return serve();
  if (command === 'demo') return runDemo({ seconds: Number(argv[1] ?? 10) });
  if (command === 'fleet') return runFleet(argv.slice(1));
  if (command === 'config' && argv[1] === 'get' && argv[2]) {
    // For the ops scripts (deploy/jibri): the value the service would use, wherever it is set.
    process.stdout.write(`${await settingValue(argv[2], environmentWithDotEnv(process.env))}\n`);
    return;
  }
  if (command === '--help' || command === 'help') {
    process.stdout.write('usage: jibri-ts [serve | demo [seconds] | fleet [admin ...] | config get NAME]\n');
    return;
  }
  throw new Error(`unknown command "${command}": use serve, demo, fleet or config get NAME`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `jibri-ts: ${(err as Error).message ?? String(err)}`}\n`);
  process.exit(1);
});
