/**
 * A JSON value as the service under test sent it. Specs and the bench read into it freely and check its
 * shape with expect(): typing it would restate the very types the assertions are there to check.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the assertions are the type check (see above)
export type Json = any;
