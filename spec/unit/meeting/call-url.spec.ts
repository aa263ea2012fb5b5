import { callNameProblem, callUrlWithLogin, hashParams, meetingUrl, recorderLoginAllowed, RECORDING_URL_OPTIONS } from '../../../lib/meeting/call-url';

describe('call URL', () => {
  const call = { baseUrl: 'https://meet.example.com', callName: 'myroom', extraUrlParams: [] };
  const login = { domain: 'recorder.example.com', username: 'recorder', password: 'secret' };

  it("reproduces Jibri's URL byte for byte", () => {
    expect(callUrlWithLogin(call, login, 'jibri')).toBe(
      'https://meet.example.com/myroom#config.analytics.disabled=true&config.disableInitialGUM=true&config.externalConnectUrl=null&config.iAmRecorder=true&config.p2p.enabled=false&config.prejoinConfig.enabled=false&config.requireDisplayName=false&config.deeplinking.disabled=true&config.startWithAudioMuted=true&config.startWithVideoMuted=true&interfaceConfig.APP_NAME="Jibri"&config.useHostPageLocalStorage=true&appData.localStorageContent=%22%7B%5C%22displayname%5C%22%3A%5C%22%5C%22%2C%5C%22email%5C%22%3A%5C%22%5C%22%2C%5C%22callStatsUserName%5C%22%3A%5C%22jibri%5C%22%2C%5C%22xmpp_username_override%5C%22%3A%5C%22recorder%40recorder.example.com%5C%22%2C%5C%22xmpp_password_override%5C%22%3A%5C%22secret%5C%22%7D%22',
    );
  });

  it('puts extra params after the 11 options and before the login', () => {
    const params = hashParams({ ...call, extraUrlParams: ['config.analytics.rtcstatsEnabled=true'] }, login, 'jibri');
    expect(params.slice(0, 11)).toEqual([...RECORDING_URL_OPTIONS]);
    expect(params[11]).toBe('config.analytics.rtcstatsEnabled=true');
    expect(params[12]).toBe('config.useHostPageLocalStorage=true');
  });

  it('encodes the local storage twice, as Jitsi Meet decodes it', () => {
    const last = hashParams(call, login, 'rec-1').at(-1)!;
    const value = last.slice('appData.localStorageContent='.length);
    expect(JSON.parse(JSON.parse(decodeURIComponent(value)))).toEqual({
      displayname: '', email: '', callStatsUserName: 'rec-1', xmpp_username_override: 'recorder@recorder.example.com', xmpp_password_override: 'secret',
    });
  });

  it('survives passwords with quotes, backslashes and non-ASCII', () => {
    const tricky = { ...login, password: 'a"b\\c\\"d é&#%' };
    const last = hashParams(call, tricky, 'rec-1').at(-1)!;
    const value = last.slice('appData.localStorageContent='.length);
    expect(JSON.parse(JSON.parse(decodeURIComponent(value))).xmpp_password_override).toBe(tricky.password);
  });

  it('shows the meeting URL without the hash', () => {
    expect(meetingUrl(call)).toBe('https://meet.example.com/myroom');
  });

  it('hands the configured login only to meetings on the operator\'s origins', () => {
    const origins = ['https://meet.example.com', 'http://127.0.0.1:8000'];
    expect(recorderLoginAllowed('https://meet.example.com', origins)).toBe(true);
    expect(recorderLoginAllowed('https://meet.example.com/tenant', origins)).toBe(true);
    expect(recorderLoginAllowed('https://MEET.example.com:443', origins)).toBe(true);
    expect(recorderLoginAllowed('http://127.0.0.1:8000', origins)).toBe(true);
    for (const other of ['http://meet.example.com', 'https://meet.example.com:8443', 'https://meet.example.com.evil.test', 'http://127.0.0.1:8001', 'not a url']) {
      expect([other, recorderLoginAllowed(other, origins)]).toEqual([other, false]);
    }
  });

  it('has one set of call-name rules for both edges', () => {
    for (const ok of ['room', 'Room_1-x', 'a%20b', 'münchen', 'a.b']) expect([ok, callNameProblem(ok)]).toEqual([ok, undefined]);
    for (const bad of ['a?b', 'a#b', 'a b', '', ' ', 'a\u0000b', 'x'.repeat(1025)]) expect([bad, typeof callNameProblem(bad)]).toEqual([bad, 'string']);
  });
});
