/**
 * Pure: the recorder's command line, read before anything starts. `--help` (or `-h`, or `help`) and
 * `--version` anywhere print and exit; they never start a server.
 */

export type Command =
  | { kind: 'serve' }
  | { kind: 'demo'; seconds: number }
  | { kind: 'status'; check: boolean; json: boolean }
  | { kind: 'config-get'; name: string }
  | { kind: 'fleet'; argv: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

export const USAGE = `usage: jibri-ts [COMMAND] [OPTIONS]

Jibri's drop-in recorder for Jitsi Meet. Configured by the environment (docker-jitsi-meet's names), a
.env file in the working directory and Jibri's /etc/jitsi/jibri/jibri.conf.

commands:
  serve                    run the recorder service (the default)
  demo [SECONDS]           record the bundled test page for SECONDS (10) and print the file
  status [--check] [--json]
                           ask the running service how it is, in words; --check exits 1 unless it
                           is healthy (the image's HEALTHCHECK), --json prints its health body
  config get NAME          print the value the service uses for the setting NAME
  fleet [admin ...]        the on-demand fleet server, when installed beside (jibri-ts fleet --help)

options:
  -h, --help               print this help (or a command's) and exit
  --version                print the version and exit

docs: docs/CONFIGURATION.md (every setting), docs/TROUBLESHOOTING.md (errors and what to do)
`;

const COMMAND_HELP: Record<string, string> = {
  serve: `usage: jibri-ts serve

Runs the recorder: Jibri's brewery presence (XMPP_SERVER...), HTTP API (JIBRI_HTTP_API_EXTERNAL_PORT,
2222) and internal API (JIBRI_HTTP_API_INTERNAL_PORT, 3333). It installs nothing: at start it checks
ffmpeg, Chromium, Xvfb, PulseAudio and the recordings folder, says what is missing and how to get it,
and checks again every minute. SIGTERM drains (the running recording ends, then exit 255); SIGINT stops
at once.
`,
  demo: `usage: jibri-ts demo [SECONDS]

Starts the service on free loopback ports, serves a local test page (coloured corners, a moving box, a
tone), records it for SECONDS (default 10) through the HTTP API, and prints the file and its streams.
Needs no Jitsi.
`,
  status: `usage: jibri-ts status [--check] [--json]

Asks the service running on this host (at the address its configuration gives) for its health and
prints it in words: healthy or not and why, busy or idle, the running sessions.
  --check   exit 0 when the service answers and is healthy, 1 otherwise (for container health checks)
  --json    print the health body as the HTTP API returns it
`,
  config: `usage: jibri-ts config get NAME

Prints the value the service uses for the setting NAME (the environment's, else jibri.conf's, else the
default). Jibri's ops scripts use it to find the ports.
`,
};

const wantsHelp = (a: string): boolean => a === '--help' || a === '-h';

/** Pure: what the arguments ask for. */
export function parseCommand(argv: string[]): Command {
  const [first = 'serve', ...rest] = argv;
  if (first === 'fleet') return { kind: 'fleet', argv: rest };
  if (argv.includes('--version')) return { kind: 'version' };
  if (first === 'help' || wantsHelp(first)) return { kind: 'help', text: (rest[0] && COMMAND_HELP[rest[0]]) || USAGE };
  if (rest.some(wantsHelp)) return { kind: 'help', text: COMMAND_HELP[first] ?? USAGE };
  switch (first) {
    case 'serve':
      return rest.length ? { kind: 'usage-error', message: `serve takes no arguments (got ${rest.join(' ')})` } : { kind: 'serve' };
    case 'demo': {
      const seconds = Number(rest[0] ?? 10);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) return { kind: 'usage-error', message: `demo takes a number of seconds between 1 and 3600 (got ${rest[0]})` };
      return { kind: 'demo', seconds };
    }
    case 'status': {
      const unknown = rest.filter((a) => a !== '--check' && a !== '--json');
      if (unknown.length) return { kind: 'usage-error', message: `status takes --check and --json (got ${unknown.join(' ')})` };
      return { kind: 'status', check: rest.includes('--check'), json: rest.includes('--json') };
    }
    case 'config':
      if (rest[0] === 'get' && rest[1] && rest.length === 2) return { kind: 'config-get', name: rest[1] };
      return { kind: 'usage-error', message: 'use: jibri-ts config get NAME' };
    default:
      return { kind: 'usage-error', message: `unknown command "${first}": use serve, demo, status, config get NAME or fleet` };
  }
}
