/** The dashboard's users, invitations and sessions on the real store (SQLite): tokens kept as digests only. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminError, FleetAdmin } from '../../lib/admin';
import { SecretBox } from '../../lib/secret-box';
import { FleetStore } from '../../lib/store';

describe('users, invitations and sessions on the real store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-dashboard-'));
  const store = new FleetStore(path.join(dir, 'fleet.sqlite'), new SecretBox(crypto.randomBytes(32)));
  const admin = new FleetAdmin(store, async () => undefined);
  const users = store.users;
  afterAll(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an invitation link sets the password once; its token is stored only as a digest', () => {
    const { accountId } = admin.createAccount('Lindeas');
    const invited = admin.invite(accountId, ' Ana@Lindeas.example ', 'customer', 'https://jod.example.com/');
    expect(invited).toMatchObject({ email: 'ana@lindeas.example', role: 'customer', link: expect.stringMatching(/^https:\/\/jod\.example\.com\/dashboard\/set-password\/[\w-]{43}$/) });
    const token = invited.link.split('/').pop()!;
    expect(fs.readFileSync(store.file).includes(Buffer.from(token))).toBe(false);
    expect(users.invitation(token)?.email).toBe('ana@lindeas.example');
    const session = users.startSession(invited.userId, 1);
    expect(users.redeem(token, 'scrypt$hash')).toMatchObject({ hasPassword: true });
    expect(users.sessionUser(session)).toBeUndefined();
    expect(users.redeem(token, 'scrypt$other')).toBeUndefined();
    expect(users.invitation(token)).toBeUndefined();
  });

  it('a new invitation voids the earlier one; an email belongs to one account; bad input is refused', () => {
    const a = admin.createAccount('A').accountId;
    const b = admin.createAccount('B').accountId;
    const first = admin.invite(a, 'x@a.example', 'operator', 'http://h:1').link.split('/').pop()!;
    const second = admin.invite(a, 'x@a.example', 'operator', 'http://h:1').link.split('/').pop()!;
    expect(users.invitation(first)).toBeUndefined();
    expect(users.invitation(second)?.role).toBe('operator');
    expect(() => admin.invite(b, 'x@a.example', 'customer', 'http://h:1')).toThrow(AdminError);
    expect(() => admin.invite(a, 'not an email', 'customer', 'http://h:1')).toThrow('email must be an email address');
    expect(() => admin.invite('nope', 'y@a.example', 'customer', 'http://h:1')).toThrow('no account nope');
  });

  it('a session ends when signed out; a rotated key leaves only its last characters to show', () => {
    const a = admin.createAccount('C').accountId;
    const u = users.createUser(a, 'c@c.example', 'customer');
    const s = users.startSession(u.id, 1);
    expect(users.sessionUser(s)?.id).toBe(u.id);
    users.endSession(s);
    expect(users.sessionUser(s)).toBeUndefined();
    const key = admin.rotateKey(a);
    expect(store.keyHint(a)).toBe(key.slice(-4));
  });
});
