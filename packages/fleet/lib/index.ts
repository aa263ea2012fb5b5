/**
 * @jibri-ts/fleet: the on-demand fleet (docs/FLEET.md). `runFleet` is what `jibri-ts fleet` and
 * `jibri-ts-fleet` run; the rest is for programs that embed the fleet (the specs and the bench do).
 */
export { runFleet } from './cli';
export { loadFleetConfig, FLEET_SETTINGS } from './config';
export { startFleetServer, type FleetServer } from './server';
