/**
 * `jibri-ts fleet` serves the fleet API; `jibri-ts fleet admin <command>` administers accounts directly
 * in the fleet's database (the same operations as the admin HTTP API).
 */
import * as fs from 'node:fs';
import { ConfigError, createLogger, environmentWithDotEnv, packageVersion, versionLine } from '@jibri-ts/common';
import { AdminError, FleetAdmin } from './admin';
import { verifyDomain } from './brewery-watch';
import { loadFleetConfig, publicUrlOf } from './config';
import { SecretBox } from './secret-box';
import { prepareDataDir, startFleetServer } from './server';
import { FleetStore } from './store';

const USAGE = `usage (jibri-ts-fleet, or jibri-ts fleet in a checkout):
  jibri-ts fleet                                   serve the fleet API (JIBRI_FLEET_* configure it)
  jibri-ts fleet --help                            print this and exit
  jibri-ts fleet --version                         print the version and exit
  jibri-ts fleet admin create-account <name>       prints the account id, its API key and its callback signing secret (shown once)
  jibri-ts fleet admin rotate-key <account-id>     prints a new key; the old one stops working
  jibri-ts fleet admin rotate-callback-secret <account-id>
                                                   prints a new callback signing secret; callbacks are no longer signed with the old one
  jibri-ts fleet admin add-balance <account-id> <amount> [reason]
  jibri-ts fleet admin set-domain <account-id> <domain> <config.json | ->
  jibri-ts fleet admin show <account-id>
  jibri-ts fleet admin invite <account-id> <email> [--operator]
                                                   prints a one-time link to the dashboard that sets the user's password
`;

/** What the command line asks for, before any configuration is read or anything starts. */
function preflight(argv: string[]): { ask: 'help' | 'version' | 'run' } | { ask: 'error'; message: string } {
  if (argv.includes('--version')) return { ask: 'version' };
  if (argv[0] === 'help' || argv.some((a) => a === '--help' || a === '-h')) return { ask: 'help' };
  if (argv.length && argv[0] !== 'admin') return { ask: 'error', message: `unknown command "${argv.join(' ')}"` };
  return { ask: 'run' };
}

export async function runFleet(argv: string[]): Promise<void> {
  const wanted = preflight(argv);
  if (wanted.ask === 'version') return void process.stdout.write(versionLine('jibri-ts-fleet', packageVersion('@jibri-ts/fleet', __dirname)));
  if (wanted.ask === 'help') return void process.stdout.write(USAGE);
  if (wanted.ask === 'error') {
    process.stderr.write(`jibri-ts fleet: ${wanted.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const env = environmentWithDotEnv(process.env);
  const config = loadFleetConfig(env);
  const format = env.JIBRI_LOG_FORMAT ?? 'text';
  if (format !== 'text' && format !== 'json') throw new ConfigError([`JIBRI_LOG_FORMAT must be text or json (got "${format}")`]);
  const log = createLogger(env.JIBRI_LOG_LEVEL ?? 'info', { json: format === 'json' });
  if (argv[0] !== 'admin') {
    const fleet = await startFleetServer(config, log);
    const exit = (): void => void fleet.stop().then(() => process.exit(0));
    process.once('SIGINT', exit);
    process.once('SIGTERM', exit);
    return;
  }
  const [, command, ...args] = argv;
  prepareDataDir(config.dataDir);
  const store = new FleetStore(config.databasePath, new SecretBox(config.secretKey));
  const admin = new FleetAdmin(store, (c) => verifyDomain(c, config.xmppAllowedHosts), config.browserAllowedHosts, (line) => process.stderr.write(`${line}\n`));
  const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  try {
    switch (command) {
      case 'create-account':
        return out(admin.createAccount(args.join(' ')));
      case 'rotate-key':
        return out({ apiKey: admin.rotateKey(args[0] ?? '') });
      case 'rotate-callback-secret':
        return out({ callbackSecret: admin.rotateCallbackSecret(args[0] ?? '') });
      case 'add-balance':
        return out({ balance: admin.addBalance(args[0] ?? '', args[1], args[2]) });
      case 'set-domain': {
        const source = args[2] === '-' || args[2] === undefined ? fs.readFileSync(0, 'utf8') : fs.readFileSync(args[2], 'utf8');
        return out(await admin.setDomain(args[0] ?? '', args[1] ?? '', JSON.parse(source)));
      }
      case 'show':
        return out(admin.show(args[0] ?? ''));
      case 'invite': {
        const operator = args.includes('--operator');
        const [account, email] = args.filter((a) => a !== '--operator');
        return out(admin.invite(account ?? '', email ?? '', operator ? 'operator' : 'customer', publicUrlOf(config)));
      }
      default:
        process.stdout.write(USAGE);
        if (command && command !== 'help') process.exitCode = 2;
    }
  } catch (err) {
    if (err instanceof AdminError || err instanceof SyntaxError) {
      process.stderr.write(`jibri-ts fleet admin: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  } finally {
    store.close();
  }
}
