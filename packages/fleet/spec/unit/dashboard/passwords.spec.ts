/** The dashboard's passwords: scrypt hashes, and what a password must be. */
import { hashPassword, passwordProblem, verifyPassword } from '../../../lib/dashboard/passwords';

describe('passwords', () => {
  const cheap = { logN: 10, r: 8, p: 1 };
  it('verifies the password it hashed and nothing else; each hash has its own salt', async () => {
    const h = await hashPassword('correct horse battery', cheap);
    expect(h).toMatch(/^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await hashPassword('correct horse battery', cheap)).not.toBe(h);
  });
  it('uses the memory-hard default (N=2^15, r=8) and never matches a malformed stored string', async () => {
    expect(await hashPassword('x'.repeat(12))).toMatch(/^scrypt\$15\$8\$1\$/);
    for (const bad of ['', 'scrypt$', 'bcrypt$1$2$3$4$5', 'scrypt$40$8$1$AAAA$BBBB', 'scrypt$10$8$1$AAAA$short']) expect(await verifyPassword('x', bad)).toBe(false);
  });
  it('refuses short, email-like and one-character passwords', () => {
    expect(passwordProblem('short', 'a@b.c')).toMatch(/at least 10/);
    expect(passwordProblem('ops@example.com', 'OPS@example.com')).toMatch(/email/);
    expect(passwordProblem('aaaaaaaaaaaa', 'a@b.c')).toMatch(/different/);
    expect(passwordProblem('a long enough phrase', 'a@b.c')).toBeUndefined();
  });
});
