/**
 * The XMPP side of a Jitsi deployment for a spec: a real Prosody with the control login (jibri), Jicofo's
 * login (focus) and the hidden recorder login, a meeting page to record, and a Jicofo stand-in already in
 * the brewery.
 */
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { FakeJicofo } from './fake-jicofo';
import { DOMAINS, startProsody, type ProsodyHandle } from './prosody';

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

export async function startBreweryStack(pw: BreweryPasswords, page?: Parameters<typeof startDemoServer>[0]): Promise<BreweryStack> {
  const prosody = await startProsody();
  prosody.register('jibri', DOMAINS.auth, pw.jibri);
  prosody.register('focus', DOMAINS.auth, pw.focus);
  prosody.register('recorder', DOMAINS.hidden, pw.recorder);
  const demo = await startDemoServer(page);
  const jicofo = new FakeJicofo(prosody.port, pw.focus);
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
