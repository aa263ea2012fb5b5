/**
 * The XMPP side of a Jitsi deployment for a spec: a real Prosody with the control login (jibri), Jicofo's
 * login (focus) and the hidden recorder login, a meeting page to record, and a Jicofo stand-in already in
 * the brewery.
 */
import { startDemoServer, type DemoServer } from '../lib/demo/server';
import { FakeJicofo } from './fake-jicofo';
import { DOMAINS, startProsody, type Domains, type ProsodyHandle } from './prosody';

export interface BreweryPasswords {
  jibri: string;
  focus: string;
  recorder: string;
}

export interface BreweryStack {
  prosody: ProsodyHandle;
  page: DemoServer;
  jicofo: FakeJicofo;
  stop(): Promise<void>;
}

export interface BreweryOptions {
  /** Another deployment's domains (DOMAINS by default). */
  domains?: Domains;
  /** The control and call login names (jibri and recorder by default). */
  users?: { jibri?: string; recorder?: string };
}

export async function startBreweryStack(pw: BreweryPasswords, page?: Parameters<typeof startDemoServer>[0], opts: BreweryOptions = {}): Promise<BreweryStack> {
  const domains = opts.domains ?? DOMAINS;
  const prosody = await startProsody({ domains });
  prosody.register(opts.users?.jibri ?? 'jibri', domains.auth, pw.jibri);
  prosody.register('focus', domains.auth, pw.focus);
  prosody.register(opts.users?.recorder ?? 'recorder', domains.hidden, pw.recorder);
  const demo = await startDemoServer(page);
  const jicofo = new FakeJicofo(prosody.port, pw.focus, 'focus', domains);
  await jicofo.start();
  return {
    prosody,
    page: demo,
    jicofo,
    stop: async () => {
      await jicofo.stop();
      await prosody.stop();
      await demo.close();
    },
  };
}
