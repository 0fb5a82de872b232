// Namespaces as a tree: `company.team.sub` sits under `company.team` under `company`.

export interface NamespaceNode {
  /** the full namespace, e.g. `company.team` */
  name: string;
  /** the last segment, e.g. `team` */
  label: string;
  /** whether flows live in exactly this namespace (a parent may exist only through children) */
  real: boolean;
  children: NamespaceNode[];
}

export function namespaceTree(namespaces: readonly string[]): NamespaceNode[] {
  const roots: NamespaceNode[] = [];
  const byName = new Map<string, NamespaceNode>();
  for (const namespace of [...new Set(namespaces)].sort()) {
    const parts = namespace.split(".");
    let siblings = roots;
    for (let i = 0; i < parts.length; i++) {
      const name = parts.slice(0, i + 1).join(".");
      let node = byName.get(name);
      if (!node) {
        node = { name, label: parts[i], real: false, children: [] };
        byName.set(name, node);
        siblings.push(node);
      }
      if (i === parts.length - 1) node.real = true;
      siblings = node.children;
    }
  }
  return roots;
}
