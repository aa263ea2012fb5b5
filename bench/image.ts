/**
 * The container images' sizes, when a Docker engine answers and the images are there (`npm run image:build`
 * or `npm test` builds them): the recorder (IMAGE, default jibri-ts:local), the fleet alone (FLEET_IMAGE,
 * jibri-ts-fleet:local) and the fleet with the recorder (FLEET_LOCAL_IMAGE, jibri-ts-fleet-local:local).
 * Each is the whole image as `docker image inspect` reports it, and where it goes, from the image's layer
 * history (base image, Debian packages, Node, the production node_modules, the program). Nothing is built
 * or pulled here. `node dist/bench/image.js` prints them alone.
 */
import Docker from 'dockerode';

export interface ImageBench {
  image: string;
  sizeMb: number;
  /** Size of each layer that adds more than 1 MB, in MB, named by what made it. */
  layersMb: Array<{ what: string; mb: number }>;
}

const MB = 1e6;

/** A short name for what a layer's instruction made. */
function layerName(createdBy: string): string {
  const cmd = createdBy.replace(/^\/bin\/sh -c (#\(nop\) )?/, '').trim();
  if (/apt-get install/.test(cmd)) return 'Debian packages (Chromium, ffmpeg, PulseAudio, Xvfb, fonts)';
  if (/\/usr\/local\/bin\/node/.test(cmd)) return 'Node';
  // The fleet's whole /app (fleet-app stage): at /app in the fleet image, at /app/fleet in fleet-local.
  if (/ in \/app(\/fleet)?\/? *$/.test(cmd)) return 'the fleet (its node_modules and dist)';
  if (/packages\/common\/dist/.test(cmd)) return 'the shared package (packages/common)';
  if (/node_modules/.test(cmd)) return 'production node_modules';
  if (/dist\/lib/.test(cmd)) return 'the recorder (dist/lib)';
  if (/^ADD file:|^ADD .*in \/ *$/.test(cmd) || cmd === '') return 'base image (debian:bookworm-slim)';
  return cmd.slice(0, 60);
}

export async function benchImage(image = process.env.IMAGE ?? 'jibri-ts:local'): Promise<ImageBench | { image: string; missing: string }> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch {
    return { image, missing: 'no Docker engine answers (bash scripts/dockerd.sh starts one)' };
  }
  try {
    const info = await docker.getImage(image).inspect();
    const history = (await docker.getImage(image).history()) as Array<{ Size: number; CreatedBy: string }>;
    const layersMb = history
      .filter((h) => h.Size > MB)
      .reverse()
      .map((h) => ({ what: layerName(h.CreatedBy), mb: Math.round(h.Size / MB) }));
    return { image, sizeMb: Math.round(info.Size / MB), layersMb };
  } catch {
    return { image, missing: `no image ${image} (npm run image:build builds it)` };
  }
}

export function describeImage(r: ImageBench | { image: string; missing: string }): string {
  if ('missing' in r) return `image: not measured: ${r.missing}`;
  return `image ${r.image}: ${r.sizeMb} MB (${r.layersMb.map((l) => `${l.what} ${l.mb}`).join(', ')})`;
}

/** The three images the Dockerfile makes, by the names scripts/image-build.sh gives them. */
export function imageNames(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.IMAGE ?? 'jibri-ts:local', env.FLEET_IMAGE ?? 'jibri-ts-fleet:local', env.FLEET_LOCAL_IMAGE ?? 'jibri-ts-fleet-local:local'];
}

export async function benchImages(names = imageNames()): Promise<Array<ImageBench | { image: string; missing: string }>> {
  const out = [];
  for (const name of names) out.push(await benchImage(name));
  return out;
}

if (require.main === module) {
  void benchImages().then((all) => process.stdout.write(`${all.map(describeImage).join('\n')}\n`));
}
