// The department tree: order, paths, descendants, and what a drag and drop means (never a cycle).
import { describe, expect, it } from "vitest";
import { buildTree, descendants, moveForDrop, pathNames } from "./departmentTree";
import { DEPARTMENTS } from "../test/fixtures";

describe("department tree", () => {
  it("builds the tree in sort order", () => {
    const t = buildTree(DEPARTMENTS);
    expect(t.map((n) => n.title)).toEqual(["内科", "外科"]);
    expect(t[0].children.map((n) => n.title)).toEqual(["心血管内科", "呼吸内科"]);
  });

  it("shows an orphan at the root rather than losing it", () => {
    const t = buildTree([...DEPARTMENTS, { id: "x", parent_id: "gone", name: "孤立科室", sort: 1 }]);
    expect(t.map((n) => n.title)).toContain("孤立科室");
  });

  it("gives full paths and descendant sets", () => {
    expect(pathNames(DEPARTMENTS).get("d-xnk")).toBe("内科 / 心血管内科");
    expect(descendants(DEPARTMENTS, "d-nk")).toEqual(new Set(["d-nk", "d-xnk", "d-hxk"]));
  });

  it("a drop into a node makes it the first child; a drop into its own subtree is refused", () => {
    expect(moveForDrop(DEPARTMENTS, "d-gk", "d-nk", false, 0)).toEqual({ id: "d-gk", parent_id: "d-nk", position: 0 });
    expect(moveForDrop(DEPARTMENTS, "d-nk", "d-xnk", false, 0)).toBeNull();
    expect(moveForDrop(DEPARTMENTS, "d-nk", "d-nk", true, 1)).toBeNull();
  });

  it("a drop in a gap places it before or after the drop node among its siblings", () => {
    expect(moveForDrop(DEPARTMENTS, "d-gk", "d-hxk", true, -1)).toEqual({ id: "d-gk", parent_id: "d-nk", position: 1 });
    expect(moveForDrop(DEPARTMENTS, "d-gk", "d-hxk", true, 1)).toEqual({ id: "d-gk", parent_id: "d-nk", position: 2 });
    expect(moveForDrop(DEPARTMENTS, "d-hxk", "d-xnk", true, -1)).toEqual({ id: "d-hxk", parent_id: "d-nk", position: 0 });
  });
});
