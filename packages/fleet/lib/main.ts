#!/usr/bin/env node
/**
 * The fleet's own entry point, `jibri-ts-fleet [admin ...]` (the `fleet` image runs it): the same as the
 * recorder package's `jibri-ts fleet [admin ...]` in a checkout, which has both packages.
 */
import { ConfigError } from '@jibri-ts/common';
import { runFleet } from './cli';

runFleet(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `jibri-ts-fleet: ${(err as Error).message ?? String(err)}`}\n`);
  process.exit(1);
});
