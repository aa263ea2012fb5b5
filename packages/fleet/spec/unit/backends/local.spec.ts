/** The local backend: each recorder under a uid of its own. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { closedAncestor, LocalBackend } from '../../../lib/backends/local';

describe('fleet: local recorders under their own uids', () => {
  it('finds the first folder on the way that other users cannot pass through', () => {
    const base = fs.mkdtempSync(`${os.tmpdir()}/fleet-uids-`);
    fs.mkdirSync(`${base}/open/inner`, { recursive: true });
    fs.chmodSync(base, 0o700);
    fs.chmodSync(`${base}/open`, 0o711);
    expect(closedAncestor(`${base}/open/inner/recorders`)).toBe(base);
    fs.chmodSync(base, 0o711);
    expect(closedAncestor(`${base}/open/inner/recorders`)).toBeUndefined();
  });
  it('refuses a recorder program they cannot reach, before any deploy waits for it', () => {
    const base = fs.mkdtempSync(`${os.tmpdir()}/fleet-uids-`);
    fs.chmodSync(base, 0o711);
    const closed = fs.mkdtempSync(`${os.tmpdir()}/fleet-program-`);
    fs.chmodSync(closed, 0o700);
    const uids = { first: 1900000000, last: 1900000009 };
    expect(() => new LocalBackend({ recorderMain: `${closed}/dist/lib/main.js`, node: `${base}/node`, dir: `${base}/recorders`, uids })).toThrow(/^JIBRI_FLEET_RECORDER_MAIN: .* is closed to other users/);
    fs.chmodSync(closed, 0o711);
    expect(() => new LocalBackend({ recorderMain: `${closed}/dist/lib/main.js`, node: `${base}/node`, dir: `${base}/recorders`, uids })).not.toThrow();
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(closed, { recursive: true, force: true });
  });
  it('refuses a Node.js they cannot run (one unpacked into a closed checkout), and names the setting that points elsewhere', () => {
    const base = fs.mkdtempSync(`${os.tmpdir()}/fleet-uids-`);
    fs.chmodSync(base, 0o711);
    const closed = fs.mkdtempSync(`${os.tmpdir()}/fleet-node-`);
    fs.chmodSync(closed, 0o700);
    const uids = { first: 1900000000, last: 1900000009 };
    const options = { recorderMain: `${base}/dist/lib/main.js`, node: `${closed}/.node/bin/node`, dir: `${base}/recorders` };
    expect(() => new LocalBackend({ ...options, uids })).toThrow(/^JIBRI_FLEET_RECORDER_NODE: .* is closed to other users.*set JIBRI_FLEET_RECORDER_NODE to a Node\.js \d+/);
    // Without uids the recorders run as the fleet, which can run it.
    expect(() => new LocalBackend(options)).not.toThrow();
    fs.chmodSync(closed, 0o711);
    expect(() => new LocalBackend({ ...options, uids })).not.toThrow();
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(closed, { recursive: true, force: true });
  });
});
