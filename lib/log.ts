/**
 * The recorder's logging. The logger and the one secret redaction live in @jibri-ts/common, shared with
 * the fleet (packages/fleet); the recorder's modules meet them here.
 */
export { createLogger, redact, registerSecret, type Logger } from '@jibri-ts/common';
