/**
 * What a recorder needs to join a Jitsi domain, in docker-jitsi-meet's names: exactly the environment
 * the fleet hands each recorder it deploys. A configuration is complete when every required field is set
 * and a test login to the XMPP server and its brewery succeeded (recorded by the fleet). The passwords
 * are stored encrypted and reach recorders as files, never as environment.
 */
export const REQUIRED_FIELDS = [
  'XMPP_SERVER',
  'XMPP_DOMAIN',
  'XMPP_AUTH_DOMAIN',
  'XMPP_INTERNAL_MUC_DOMAIN',
  'XMPP_MUC_DOMAIN',
  'XMPP_HIDDEN_DOMAIN',
  'JIBRI_BREWERY_MUC',
  'JIBRI_XMPP_USER',
  'JIBRI_XMPP_PASSWORD',
  'JIBRI_RECORDER_USER',
  'JIBRI_RECORDER_PASSWORD',
  'PUBLIC_URL',
] as const;

/**
 * Optional. XMPP_TRUST_ALL_CERTS=true: this domain's XMPP server has a certificate no public CA signed
 * (docker-jitsi-meet's self-signed one), and its owner accepts that the fleet and its recorders do not
 * verify it. Unset or false: verified, for the fleet's connections and the recorders' alike.
 */
export const OPTIONAL_FIELDS = ['XMPP_TRUST_ALL_CERTS'] as const;

export type DomainConfig = Partial<Record<(typeof REQUIRED_FIELDS)[number] | (typeof OPTIONAL_FIELDS)[number], string>>;

export const SECRET_FIELDS = ['JIBRI_XMPP_PASSWORD', 'JIBRI_RECORDER_PASSWORD'] as const;

/** Keeps the known fields only, trimmed; unknown keys are refused by name. */
export function parseDomainConfig(input: unknown): { ok: true; config: DomainConfig } | { ok: false; message: string } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { ok: false, message: 'the body must be a JSON object of docker-jitsi-meet variables' };
  const out: DomainConfig = {};
  for (const [k, v] of Object.entries(input)) {
    if (![...REQUIRED_FIELDS, ...OPTIONAL_FIELDS].includes(k as never)) return { ok: false, message: `unknown field ${k}; the fields are ${[...REQUIRED_FIELDS, ...OPTIONAL_FIELDS].join(', ')}` };
    if (typeof v !== 'string') return { ok: false, message: `${k} must be a string` };
    if (k === 'XMPP_TRUST_ALL_CERTS' && !['', 'true', 'false'].includes(v.trim().toLowerCase())) return { ok: false, message: 'XMPP_TRUST_ALL_CERTS must be true or false' };
    if (v.trim()) out[k as keyof DomainConfig] = v.trim();
  }
  return { ok: true, config: out };
}

/** Whether this domain's owner opted out of certificate verification for its XMPP server. */
export function trustsAllCerts(c: DomainConfig): boolean {
  return c.XMPP_TRUST_ALL_CERTS?.toLowerCase() === 'true';
}

export function missingFields(c: DomainConfig): string[] {
  return REQUIRED_FIELDS.filter((f) => !c[f]);
}

/** The configuration as logs and API answers may show it. */
export function redactDomainConfig(c: DomainConfig): DomainConfig {
  const out = { ...c };
  for (const f of SECRET_FIELDS) if (out[f]) out[f] = '****';
  return out;
}
