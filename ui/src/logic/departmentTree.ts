// The department tree from the flat list: children ordered by `sort` then name, full paths for
// table cells, descendant sets for the 科室 filter, and the moves a drag and drop means.

export interface DepartmentLike {
  id: string;
  parent_id: string | null;
  name: string;
  sort: number;
}

export interface TreeNode {
  key: string;
  title: string;
  value: string;
  children: TreeNode[];
}

export function childrenOf<D extends DepartmentLike>(all: readonly D[], parentId: string | null): D[] {
  return all
    .filter((d) => (d.parent_id ?? null) === parentId)
    .sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name, "zh-CN"));
}

export function buildTree(all: readonly DepartmentLike[]): TreeNode[] {
  const ids = new Set(all.map((d) => d.id));
  const build = (parentId: string | null, seen: Set<string>): TreeNode[] =>
    childrenOf(all, parentId)
      .filter((d) => !seen.has(d.id))
      .map((d) => ({ key: d.id, value: d.id, title: d.name, children: build(d.id, new Set([...seen, d.id])) }));
  // Orphans (parent missing) show at the root rather than disappear.
  const roots = build(null, new Set());
  const orphans = all.filter((d) => d.parent_id && !ids.has(d.parent_id));
  for (const o of orphans) roots.push({ key: o.id, value: o.id, title: o.name, children: build(o.id, new Set([o.id])) });
  return roots;
}

/** "内科 / 心内科" for every department id. */
export function pathNames(all: readonly DepartmentLike[]): Map<string, string> {
  const byId = new Map(all.map((d) => [d.id, d]));
  const out = new Map<string, string>();
  for (const d of all) {
    const parts: string[] = [];
    let cur: DepartmentLike | undefined = d;
    const seen = new Set<string>();
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      parts.unshift(cur.name);
      cur = cur.parent_id ? byId.get(cur.parent_id) : undefined;
    }
    out.set(d.id, parts.join(" / "));
  }
  return out;
}

export function descendants(all: readonly DepartmentLike[], id: string): Set<string> {
  const out = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of all) {
      if (d.parent_id && out.has(d.parent_id) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

export interface Move {
  id: string;
  parent_id: string | null;
  position: number; // index among the new siblings
}

/**
 * What a drop means. antd's Tree reports the drop node and `dropPosition` relative to it
 * (-1 before, 1 after, 0 = into it as first child when `dropToGap` is false).
 */
export function moveForDrop(
  all: readonly DepartmentLike[],
  dragId: string,
  dropId: string,
  dropToGap: boolean,
  relative: -1 | 0 | 1,
): Move | null {
  if (dragId === dropId || descendants(all, dragId).has(dropId)) return null; // no cycles
  const drop = all.find((d) => d.id === dropId);
  if (!drop) return null;
  if (!dropToGap) return { id: dragId, parent_id: drop.id, position: 0 };
  const parent = drop.parent_id ?? null;
  const siblings = childrenOf(all, parent).filter((d) => d.id !== dragId);
  const at = siblings.findIndex((d) => d.id === dropId);
  return { id: dragId, parent_id: parent, position: relative < 0 ? at : at + 1 };
}
