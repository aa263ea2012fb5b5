/**
 * docker-compose.yml drops into a docker-jitsi-meet deployment: validated by `docker compose config` (or
 * the Debian package's `docker-compose config`) against a docker-jitsi-meet-style .env when either is
 * installed, else by parsing the YAML and interpolating the .env here. The same structural checks run
 * on the result either way, and the resolved environment must be accepted by the service's own
 * configuration loader.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, loadConfig, parseDotEnv } from '../../lib/config';
import { interpolate, parseYaml } from '../../testkit/yaml';

const root = path.resolve(__dirname, '../..');
const composeFile = path.join(root, 'docker-compose.yml');
// docker-jitsi-meet's own compose file comes first in a real deployment; this stands for it (jicofo, the network).
const baseFile = path.join(root, 'deploy/compose/docker-jitsi-meet-base.yml');
const envFile = path.join(root, 'deploy/compose/docker-jitsi-meet.env');
const sampleEnv = parseDotEnv(fs.readFileSync(envFile, 'utf8'));

type Doc = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML; the checks below read it field by field

/** The first compose CLI that answers: the v2 plugin, else the Debian package's docker-compose. */
function composeCli(): string[] | undefined {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cli[0] ?? '', [...cli.slice(1), 'version'], { encoding: 'utf8', timeout: 30000 });
    if (r.status === 0) return cli;
  }
  return undefined;
}

function resolvedByCli(cli: string[]): Doc {
  // Run outside the project folder: a developer's own .env there must not leak into the check.
  const r = spawnSync(cli[0] ?? '', [...cli.slice(1), '--env-file', envFile, '-f', baseFile, '-f', composeFile, '--profile', 'fleet', 'config'], {
    encoding: 'utf8',
    timeout: 60000,
    cwd: path.dirname(envFile),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
  });
  if (r.status !== 0) throw new Error(`${cli.join(' ')} config failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return parseYaml(r.stdout);
}

function resolvedByParsing(): Doc {
  return parseYaml(interpolate(fs.readFileSync(composeFile, 'utf8'), sampleEnv));
}

/** `host:container[:mode]` (v1, short syntax) or {type, source, target} (v2, long syntax) → target. */
function volumeTargets(volumes: unknown[]): string[] {
  return volumes.map((v) => {
    if (typeof v === 'string') return v.split(':')[1] ?? '';
    return String((v as { target?: string }).target ?? '');
  });
}

function environmentOf(service: Doc): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e: string) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v as string | number | boolean)]));
}

const cli = composeCli();
const ways: Array<[string, () => Doc]> = [['parsed here (YAML + .env interpolation)', resolvedByParsing]];
if (cli) ways.unshift([`${cli.join(' ')} config`, () => resolvedByCli(cli)]);
else process.stderr.write('compose.spec: neither `docker compose` nor `docker-compose` is installed; checking the parsed YAML only\n');

describe.each(ways)('docker-compose.yml, %s', (_how, resolve) => {
  let doc: Doc;
  beforeAll(() => {
    doc = resolve();
  });

  it("builds the images it runs from the checkout: the Dockerfile's recorder target, and fleet-local for the fleet", () => {
    const stages = [...fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM \S+ AS (\S+)\s*$/gm)].map((m) => m[1]);
    const expected: Record<string, { target: string; image: string }> = {
      jibri: { target: 'recorder', image: 'jibri-ts:local' },
      // The local backend runs recorders in the fleet's container: the recorder's image with the fleet beside it.
      'jibri-fleet': { target: 'fleet-local', image: 'jibri-ts-fleet-local:local' },
    };
    for (const [name, want] of Object.entries(expected)) {
      const { build, image } = doc.services[name];
      // Relative to the first compose file's folder, as compose resolves it (the .env names the checkout).
      expect(path.resolve(path.dirname(baseFile), String(build.context))).toBe(root);
      expect(stages).toContain(build.target);
      expect({ target: build.target, image }).toEqual(want);
    }
  });

  it('has the jibri service on the meet.jitsi network, and the network', () => {
    expect(Object.keys(doc.services)).toEqual(expect.arrayContaining(['jibri', 'jibri-fleet']));
    const nets = doc.services.jibri.networks;
    expect(Array.isArray(nets) ? nets : Object.keys(nets)).toContain('meet.jitsi');
    expect(Object.keys(doc.networks ?? {})).toContain('meet.jitsi');
  });

  it('passes every variable the service reads, with the values of the .env', () => {
    const env = environmentOf(doc.services.jibri);
    // Kubernetes sets its own variables in a pod; a compose deployment has none of them.
    for (const s of SETTINGS.filter((x) => x.group !== 'Kubernetes')) expect(Object.keys(env)).toContain(s.name);
    for (const name of ['XMPP_SERVER', 'XMPP_DOMAIN', 'XMPP_AUTH_DOMAIN', 'XMPP_INTERNAL_MUC_DOMAIN', 'XMPP_MUC_DOMAIN', 'XMPP_HIDDEN_DOMAIN',
      'XMPP_RECORDER_DOMAIN', 'JIBRI_BREWERY_MUC', 'JIBRI_XMPP_USER', 'JIBRI_XMPP_PASSWORD', 'JIBRI_RECORDER_USER', 'JIBRI_RECORDER_PASSWORD',
      'JIBRI_STRIP_DOMAIN_JID', 'PUBLIC_URL', 'AUTOSCALER_URL', 'ENABLE_STATS_D', 'TZ']) {
      expect([name, env[name]]).toEqual([name, sampleEnv[name]]);
    }
  });

  it('serves the HTTP API on port 2222 of the container\'s loopback, with no shipped token; on the network only with a token', () => {
    const env = environmentOf(doc.services.jibri);
    expect(env.JIBRI_HTTP_API_EXTERNAL_HOST).toBe('127.0.0.1');
    expect(env.JIBRI_HTTP_API_EXTERNAL_PORT).toBe('2222');
    expect(env.JIBRI_HTTP_API_TOKEN).toBe('');
    expect((doc.services.jibri.expose ?? []).map(String)).toContain('2222');
    expect(doc.services.jibri.ports).toBeUndefined();
    // Opened to the network without a token, the service refuses to start and says how to set one.
    expect(() => loadConfig({ ...env, JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0' }, 'jibri')).toThrow(/JIBRI_HTTP_API_TOKEN.*openssl rand.*JIBRI_HTTP_API_ALLOW_OPEN=true/s);
    expect(loadConfig({ ...env, JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_TOKEN: 'a-long-random-token' }, 'jibri').http.host).toBe('0.0.0.0');
  });

  it('is accepted by the service\'s configuration loader, with XMPP on', () => {
    // The key file is mounted in a real deployment; here the loader only needs to know where it is.
    const config = loadConfig(environmentOf(doc.services.jibri), 'jibri', { writable: (d) => d.startsWith('/storage'), isDirectory: () => true });
    const [env] = config.xmppEnvironments;
    expect(env?.servers.map((s) => `${s.host}:${s.port}`)).toEqual(['xmpp.meet.jitsi:5222']);
    expect(env?.breweryJid).toBe('jibribrewery@internal-muc.meet.jitsi');
    expect(config.recorderLogin?.domain).toBe('hidden.meet.jitsi');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 2222, allowOpen: false, maxEventStreams: 16 });
    expect(config.recording.dir).toBe('/storage/recordings');
    expect(config.autoscaler).toMatchObject({ url: 'http://autoscaler.meet.jitsi:3000', groupName: 'docker-jibri' });
  });

  it("mounts docker-jitsi-meet's /config and /storage and waits for jicofo, as its jibri.yml", () => {
    const jibri = doc.services.jibri;
    expect(volumeTargets(jibri.volumes)).toEqual(expect.arrayContaining(['/config', '/storage']));
    const deps = Array.isArray(jibri.depends_on) ? jibri.depends_on : Object.keys(jibri.depends_on ?? {});
    expect(deps).toContain('jicofo');
  });

  it.each(['jibri', 'jibri-fleet'])('%s is locked down: read-only root, tmpfs /tmp, no capabilities, no devices', (name) => {
    const s = doc.services[name];
    expect(s.read_only).toBe(true);
    expect((s.tmpfs as string[]).some((t) => t === '/tmp' || t.startsWith('/tmp:'))).toBe(true);
    expect(s.cap_drop).toEqual(['ALL']);
    expect(s.cap_add).toBeUndefined();
    expect(s.devices).toBeUndefined();
    expect(s.privileged).toBeFalsy();
    expect(s.shm_size).toBeUndefined();
    expect(String(s.user)).toBe('1000:1000');
    expect(s.security_opt).toEqual(expect.arrayContaining([expect.stringMatching(/^no-new-privileges/)]));
    // The data volume is mounted where the service writes (the recorder's recordings, the fleet's data).
    const env = environmentOf(s);
    const dataDir = name === 'jibri' ? env.JIBRI_RECORDING_DIR || '/storage/recordings' : env.JIBRI_FLEET_DATA_DIR ?? '';
    expect(volumeTargets(s.volumes).some((t) => dataDir === t || dataDir.startsWith(`${t}/`))).toBe(true);
    expect(JSON.stringify(s.healthcheck.test)).toMatch(name === 'jibri' ? /"jibri-ts","status","--check"/ : /\/health'/);
  });

  it('gives jibri and jibri-fleet folders of their own', () => {
    const sources = ['jibri', 'jibri-fleet'].map((name) => (doc.services[name].volumes as unknown[]).map((v) => (typeof v === 'string' ? v.split(':')[0] : String((v as { source?: string }).source))));
    const [a, b] = sources;
    expect((a ?? []).filter((src) => (b ?? []).includes(src))).toEqual([]);
    expect(a).toContain('/srv/jitsi-meet-cfg/storage/jibri');
  });

  it('runs jibri-fleet only in the fleet profile, with the fleet command and its own configuration', () => {
    const fleet = doc.services['jibri-fleet'];
    expect(fleet.profiles).toEqual(['fleet']);
    expect(fleet.command).toEqual(['fleet']);
    expect(doc.services.jibri.profiles).toBeUndefined();
    const env = environmentOf(fleet);
    // Every JIBRI_FLEET_* name it passes is one the fleet reads.
    const reads = fs.readFileSync(path.join(root, 'packages/fleet/lib/config.ts'), 'utf8');
    for (const name of Object.keys(env).filter((n) => n.startsWith('JIBRI_FLEET_'))) expect(reads).toContain(`'${name}'`);
    expect(env.JIBRI_FLEET_DATA_DIR).toBe('/data');
  });
});

describe('the image the compose file runs', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  it('builds from official images only: npm ci and the TypeScript build inside, production packages at run time', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?\s*$/gm)].map((m) => ({ image: m[1], stage: m[2] }));
    const stages = froms.map((f) => f.stage);
    // `scratch` is Docker's empty image, never pulled: the fleet's files are gathered in it.
    for (const { image } of froms) expect(['node:24-bookworm-slim', 'debian:bookworm-slim', 'scratch', ...stages]).toContain(image);
    // The default target (the last stage) is the recorder, Debian with Debian's packages.
    expect(froms.at(-1)).toEqual({ image: 'recorder-image', stage: 'recorder' });
    expect(froms).toContainEqual({ image: 'debian:bookworm-slim', stage: 'runtime-packages' });
    expect(froms).toContainEqual({ image: 'runtime-packages', stage: 'recorder-image' });
    expect(froms).toContainEqual({ image: 'debian:bookworm-slim', stage: 'fleet' });
    expect(dockerfile).toMatch(/^\s+npm ci /m);
    for (const project of ['packages/common', 'packages/fleet', 'tsconfig.build.json']) expect(dockerfile).toMatch(new RegExp(`^\\s+npx tsc -p ${project.replace('.', '\\.')};?(?: \\\\)?$`, 'm'));
    // Each program's production packages only: the recorder's without the fleet's workspace, and the reverse.
    expect(dockerfile).toMatch(/^\s+npm ci --offline --omit=dev --include-workspace-root --workspace packages\/common /m);
    expect(dockerfile).toMatch(/^\s+npm ci --offline --omit=dev --workspace packages\/fleet /m);
    expect(dockerfile).toMatch(/^COPY --from=prod-deps \/src\/node_modules \/app\/node_modules$/m);
    expect(dockerfile).toMatch(/^COPY --from=fleet-deps \/src\/node_modules \/app\/node_modules$/m);
  });

  it('is Debian bookworm with Debian\'s packages, the fonts and a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM debian:bookworm-slim AS runtime-packages\s*$/m);
    for (const p of ['chromium', 'ffmpeg', 'pulseaudio', 'xvfb', 'fonts-noto-cjk', 'fonts-noto-color-emoji', 'fonts-dejavu-core']) {
      expect(dockerfile).toMatch(new RegExp(`\\b${p}\\b`));
    }
    expect(dockerfile).toContain('--no-install-recommends');
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
  });

  it('is healthy while the recorder is: jibri-ts status --check (the health endpoint\'s healthStatus)', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["jibri-ts", "status", "--check"\]$/m);
    expect(dockerfile).toMatch(/^RUN ln -s \/app\/dist\/lib\/main\.js \/usr\/local\/bin\/jibri-ts$/m);
    const status = fs.readFileSync(path.join(root, 'lib/cli/status.ts'), 'utf8');
    expect(status).toContain('/jibri/api/v1.0/health');
  });

  it('labels every runtime image (OCI: title, description, licenses; the build script adds version, revision, source)', () => {
    for (const key of ['title', 'description', 'licenses']) expect(dockerfile.match(new RegExp(`org\\.opencontainers\\.image\\.${key}=`, 'g'))).toHaveLength(3);
    expect(dockerfile).toContain('org.opencontainers.image.licenses="Apache-2.0"');
    const build = fs.readFileSync(path.join(root, 'scripts/image-build.sh'), 'utf8');
    for (const key of ['version', 'revision', 'source']) expect(build).toContain(`--label "org.opencontainers.image.${key}=`);
  });

  it('keeps the build context to what the image needs', () => {
    const ignore = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignore[ignore.findIndex((l) => l && !l.startsWith('#'))]).toBe('*');
    for (const copied of [...dockerfile.matchAll(/^(?:COPY|ADD) (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/))) {
      const allowed = ignore.some((l) => l.startsWith('!') && (copied.replace('${NODE_VERSION}', '*') === l.slice(1).replace(/\/$/, '') || copied.startsWith(l.slice(1).replace(/\/$/, ''))));
      expect([copied, allowed]).toEqual([copied, true]);
    }
  });
});
