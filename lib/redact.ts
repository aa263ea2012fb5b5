/**
 * The one redaction function (masks every registered secret in any encoding and every field named like
 * one) lives in @jibri-ts/common, shared with the fleet; the recorder's modules meet it here.
 */
export { containsSecret, redact, redactDeep, registerSecret, secretPattern, SECRET_FIELD } from '@jibri-ts/common';
