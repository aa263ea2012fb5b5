/**
 * Pure: a parsed configuration file as the settings reader sees it, a tree of plain values (the recorder
 * parses Jibri's HOCON into one); what a setting's file key points at is found by its dotted path.
 */
export type TreeValue = string | number | boolean | null | TreeValue[] | TreeObject;
export interface TreeObject {
  [key: string]: TreeValue;
}

export function isTreeObject(v: unknown): v is TreeObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a dotted path (`jibri.api.http.external-api-port`), if the tree has one. */
export function valueAt(tree: TreeObject, key: string): TreeValue | undefined {
  let node: TreeValue | undefined = tree;
  for (const part of key.split('.')) {
    if (!isTreeObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Every leaf's dotted path; a list is a leaf (its items are checked by whoever reads it). */
export function leafKeys(tree: TreeObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isTreeObject(v) && Object.keys(v).length) out.push(...leafKeys(v, key));
    else out.push(key);
  }
  return out;
}
