import { describe, expect, test } from "vitest";
import { buildTopology } from "./graph";
import { layoutTopology, parentsFirst } from "./layout";
import { LayoutCache, structureKey } from "./layoutCache";

const flow = (message: string, extra: { id: string; type: string }[] = []) => ({
  tasks: [
    { id: "first", type: "lanner.core.Log", message },
    { id: "par", type: "lanner.core.Parallel", tasks: [{ id: "a", type: "lanner.core.Log" }, { id: "b", type: "lanner.core.Log" }] },
    ...extra,
  ],
});

describe("structureKey", () => {
  test("the same for a flow whose structure did not change, another when it did", () => {
    const key = structureKey(buildTopology(flow("hello")), "LR");
    expect(structureKey(buildTopology(flow("bye")), "LR")).toBe(key);
    expect(structureKey(buildTopology(flow("hello")), "TB")).not.toBe(key);
    expect(structureKey(buildTopology(flow("hello", [{ id: "last", type: "lanner.core.Log" }])), "LR")).not.toBe(key);
    // the same ids nested differently
    const moved = { tasks: [{ id: "first", type: "t" }, { id: "par", type: "lanner.core.Parallel", tasks: [{ id: "a", type: "t" }] }, { id: "b", type: "t" }] };
    expect(structureKey(buildTopology(moved), "LR")).not.toBe(key);
  });
});

describe("LayoutCache", () => {
  test("places like layoutTopology, parents first, with the given topology's own nodes", () => {
    const topology = buildTopology(flow("hello"));
    const placed = new LayoutCache().place(topology, "TB");
    const expected = parentsFirst(layoutTopology(topology, "TB"));
    expect(placed.map((p) => [p.node.id, p.box, p.position])).toEqual(expected.map((p) => [p.node.id, p.box, p.position]));
    for (const p of placed) expect(topology.nodes).toContain(p.node);
  });

  test("a flow of the same structure reuses the layout; its labels are its own", () => {
    const cache = new LayoutCache();
    const first = cache.place(buildTopology(flow("hello")), "LR");
    const renamed = buildTopology({ ...flow("bye"), tasks: flow("bye").tasks.map((t) => (t.id === "par" ? { ...t, type: "io.kestra.plugin.core.flow.Parallel" } : t)) });
    const again = cache.place(renamed, "LR");
    expect(cache.size).toBe(1);
    expect(again.map((p) => p.box)).toEqual(first.map((p) => p.box));
    expect(again[0].box).toBe(first[0].box); // not computed again
    expect(again.find((p) => p.node.id === "task:par")?.node.label).toBe("par · Parallel");
    for (const p of again) expect(renamed.nodes).toContain(p.node);
  });

  test("keeps the most recently used layouts only", () => {
    const cache = new LayoutCache(2);
    const one = buildTopology(flow("x"));
    const two = buildTopology(flow("x", [{ id: "two", type: "t" }]));
    const three = buildTopology(flow("x", [{ id: "three", type: "t" }]));
    const firstOne = cache.place(one, "TB");
    cache.place(two, "TB");
    cache.place(one, "TB"); // one is now the most recent
    cache.place(three, "TB"); // two goes
    expect(cache.size).toBe(2);
    expect(cache.place(one, "TB")[0].box).toBe(firstOne[0].box);
    const firstTwo = cache.place(two, "TB");
    expect(cache.place(two, "TB")[0].box).toBe(firstTwo[0].box);
  });
});
