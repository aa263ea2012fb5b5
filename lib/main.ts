#!/usr/bin/env node
/**
 * Entry point: reads the command line (lib/cli/help.ts) and runs one program: `serve` the recorder
 * service, `demo` a recording of the bundled page, `status` the running service's health in words,
 * `config get NAME` a setting's value for the ops scripts, `fleet` the on-demand fleet server (the
 * @jibri-ts/fleet package, packages/fleet, when it is installed beside). `--help` and `--version` print
 * and exit. Nothing else lives here.
 */
import * as os from 'node:os';
import { packageVersion, versionLine } from '@jibri-ts/common';
import { ConfigError, environmentWithDotEnv, loadServiceConfig, settingValue } from './config';
import { parseCommand } from './cli/help';
import { readStatus, startupProblems } from './cli/status';
import { createLogger } from './log';

async function serve(): Promise<void> {
  const config = await loadServiceConfig(environmentWithDotEnv(process.env), os.hostname());
  const log = createLogger(config.logLevel, { json: config.logFormat === 'json' });
  log.info(`jibri-ts ${packageVersion('jibri-ts', __dirname)} on Node.js ${process.version}`);
  // Loaded here, not at the top: `status` (the image's health check, every 30 s), `--help` and `config get`
  // need none of the service's modules (Playwright, the AWS SDK...).
  const { compose } = await import('./compose');
  const service = await compose(config, log);
  // The service installs nothing: what this machine lacks is said once here, in one place, with how to
  // get it; the checks run again every minute and the service turns healthy once it is fixed.
  const problems = startupProblems(service.recorder.snapshot().details);
  if (problems) log.error(problems);
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
  const command = parseCommand(argv);
  switch (command.kind) {
    case 'serve':
      return serve();
    case 'demo':
      return (await import('./demo/run')).runDemo({ seconds: command.seconds });
    case 'fleet':
      return runFleet(command.argv);
    case 'status': {
      const config = await loadServiceConfig(environmentWithDotEnv(process.env), os.hostname());
      const result = await readStatus(config.http, { json: command.json });
      // A passing check says one word (the container engine keeps its output); anything else says all.
      process.stdout.write(command.check && result.code === 0 ? 'HEALTHY\n' : result.text);
      process.exitCode = result.code;
      return;
    }
    case 'config-get':
      // For the ops scripts (deploy/jibri): the value the service would use, wherever it is set.
      process.stdout.write(`${await settingValue(command.name, environmentWithDotEnv(process.env))}\n`);
      return;
    case 'help':
      process.stdout.write(command.text);
      return;
    case 'version':
      process.stdout.write(versionLine('jibri-ts', packageVersion('jibri-ts', __dirname)));
      return;
    case 'usage-error':
      process.stderr.write(`jibri-ts: ${command.message} (jibri-ts --help lists the commands)\n`);
      process.exitCode = 2;
      return;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `jibri-ts: ${(err as Error).message ?? String(err)}`}\n`);
  process.exit(1);
});
