/** Drives a recorder over its HTTP API as any Jibri client does: used by the demo and the benchmark. */

/** Starts a file recording of `<baseUrl>/<callName>`; throws with the answer when it is not 200. */
export async function startFileRecording(apiUrl: string, sessionId: string, baseUrl: string, callName: string): Promise<void> {
  const res = await fetch(`${apiUrl}/startService`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sessionId,
      callParams: { callUrlInfo: { baseUrl, callName } },
      // The bundled page ignores the login; a real Jitsi Meet would log the recorder in with it.
      callLoginParams: { domain: 'recorder.demo.local', username: 'recorder', password: 'demo-password' },
      sinkType: 'file',
    }),
  });
  if (res.status !== 200) throw new Error(`startService answered ${res.status}: ${await res.text()}`);
}

export async function stopRecording(apiUrl: string): Promise<void> {
  await fetch(`${apiUrl}/stopService`, { method: 'POST' });
}
