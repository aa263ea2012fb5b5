/**
 * YAML for the deployment specs, with no new dependency: js-yaml is already in node_modules as a
 * transitive development dependency (jest → babel-plugin-istanbul → @istanbuljs/load-nyc-config).
 * Its 3.x API has safeLoad/safeLoadAll; 4.x has load/loadAll (safe by default). Either works here.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsYaml = require('js-yaml') as {
  safeLoad?: (text: string) => unknown;
  safeLoadAll?: (text: string) => unknown[];
  load: (text: string) => unknown;
  loadAll: (text: string, iterator?: (doc: unknown) => void) => unknown[] | undefined;
};

export function parseYaml(text: string): unknown {
  return (jsYaml.safeLoad ?? jsYaml.load)(text);
}

export function parseYamlAll(text: string): unknown[] {
  const docs: unknown[] = [];
  if (jsYaml.safeLoadAll) return jsYaml.safeLoadAll(text).filter((d) => d != null);
  jsYaml.loadAll(text, (d) => docs.push(d));
  return docs.filter((d) => d != null);
}

/**
 * Compose's variable interpolation for what docker-compose.yml uses: ${VAR}, ${VAR:-default},
 * ${VAR-default} and $$ (a literal $). An unset variable without a default becomes "".
 */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g, (whole, name: string | undefined, colon: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    const value = env[name ?? ''];
    if (fallback === undefined) return value ?? '';
    if (colon === ':') return value === undefined || value === '' ? fallback : value;
    return value === undefined ? fallback : value;
  });
}
