import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { buildTopology, type Topology } from "./graph";
import { layoutTopology, parentsFirst, type Box } from "./layout";

// edges as a sorted list: the order they were added in does not matter
const edges = (topology: Topology) => topology.edges.map((e) => `${e.source}->${e.target}${e.label ? `[${e.label}]` : ""}`).sort();
const parentOf = (topology: Topology, id: string) => topology.nodes.find((n) => n.id === id)?.parent;

describe("buildTopology", () => {
  test("a sequence of tasks runs from start to end", () => {
    const topology = buildTopology(
      parse(`
id: f
namespace: n
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
  - id: b
    type: lanner.core.Log
`),
    );
    expect(edges(topology)).toEqual(["trigger:daily->start", "start->task:a", "task:a->task:b", "task:b->end"].sort());
    expect(topology.nodes.find((n) => n.id === "task:a")).toMatchObject({ kind: "task", taskId: "a" });
  });

  test("nested flowables are groups entered through their first tasks and left through their last", () => {
    const topology = buildTopology(
      parse(`
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: seq
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: s1
            type: lanner.core.Log
          - id: s2
            type: lanner.core.Log
      - id: p2
        type: lanner.core.Log
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - id: inner
        type: lanner.core.Log
  - id: last
    type: lanner.core.Log
`),
    );
    expect(edges(topology)).toEqual([
      "start->task:s1",
      "start->task:p2",
      "task:s1->task:s2",
      "task:s2->task:inner",
      "task:p2->task:inner",
      "task:inner->task:last",
      "task:last->end",
    ].sort());
    expect(parentOf(topology, "task:seq")).toBe("task:par");
    expect(parentOf(topology, "task:s1")).toBe("task:seq");
    expect(parentOf(topology, "task:inner")).toBe("task:each");
    expect(topology.nodes.find((n) => n.id === "task:each")?.kind).toBe("group");
  });

  test("two groups in a row with several ends each are joined group to group", () => {
    const parallel = (id: string, n: number) => ({
      id,
      type: "io.kestra.plugin.core.flow.Parallel",
      tasks: Array.from({ length: n }, (_, i) => ({ id: `${id}_${i}`, type: "lanner.core.Log" })),
    });
    const topology = buildTopology({ tasks: [parallel("one", 3), parallel("two", 3), parallel("three", 1), parallel("four", 2)] });
    expect(edges(topology)).toEqual(
      [
        "start->task:one_0",
        "start->task:one_1",
        "start->task:one_2",
        "task:one->task:two", // not 3 × 3 edges between their tasks
        "task:two_0->task:three_0",
        "task:two_1->task:three_0",
        "task:two_2->task:three_0",
        "task:three_0->task:four_0",
        "task:three_0->task:four_1",
        "task:four_0->end",
        "task:four_1->end",
      ].sort(),
    );
    // 50 Parallels of 10 in a row: 49 edges between them, not 4,900
    const large = buildTopology({ tasks: Array.from({ length: 50 }, (_, g) => parallel(`g${g}`, 10)) });
    expect(large.edges).toHaveLength(10 + 49 + 10);
  });

  test("dag edges follow dependsOn; roots and leaves join the surrounding tasks", () => {
    const topology = buildTopology(
      parse(`
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: { id: extract, type: lanner.core.Log }
      - task: { id: left, type: lanner.core.Log }
        dependsOn: [extract]
      - task: { id: right, type: lanner.core.Log }
        dependsOn: [extract]
      - task: { id: join, type: lanner.core.Log }
        dependsOn: [left, right]
      - task: { id: alone, type: lanner.core.Log }
`),
    );
    expect(edges(topology)).toEqual(
      [
        "start->task:extract",
        "start->task:alone",
        "task:extract->task:left",
        "task:extract->task:right",
        "task:left->task:join",
        "task:right->task:join",
        "task:join->end",
        "task:alone->end",
      ].sort(),
    );
  });

  test("If and Switch branches leave a decision node with labelled edges", () => {
    const topology = buildTopology(
      parse(`
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.ok }}"
    then:
      - id: yes
        type: lanner.core.Log
    else:
      - id: no
        type: lanner.core.Log
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.env }}"
    cases:
      prod:
        - id: deploy
          type: lanner.core.Log
`),
    );
    expect(edges(topology)).toEqual([
      "start->decision:task:check",
      "decision:task:check->task:yes[then]",
      "decision:task:check->task:no[else]",
      "task:yes->decision:task:route",
      "task:no->decision:task:route",
      "decision:task:route->task:deploy[prod]",
      "task:deploy->end",
      // no default case: the flow may pass the switch by
      "decision:task:route->end",
    ].sort());
    expect(topology.nodes.find((n) => n.id === "decision:task:check")).toMatchObject({ label: "{{ inputs.ok }}", parent: "task:check" });
  });

  test("errors run on failure, finally after either; flowables have their own", () => {
    const topology = buildTopology(
      parse(`
tasks:
  - id: main
    type: lanner.core.Log
  - id: seq
    type: lanner.core.Sequential
    tasks:
      - id: inner
        type: lanner.core.Log
    errors:
      - id: inner_alert
        type: lanner.core.Log
errors:
  - id: alert
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
finally:
  - id: cleanup
    type: lanner.core.Log
`),
    );
    const all = topology.edges.map((e) => `${e.source}->${e.target}:${e.kind}`);
    expect(all).toContain("task:inner->task:inner_alert:error");
    expect(all).toContain("start->task:alert:error");
    expect(all).toContain("task:inner->task:cleanup:finally");
    expect(all).toContain("task:inner_alert->task:cleanup:finally");
    expect(all).toContain("task:alert->task:cleanup:finally");
    expect(all).toContain("task:cleanup->end:normal");
    expect(parentOf(topology, "task:alert")).toBe("errors:flow");
    expect(parentOf(topology, "errors:task:seq")).toBe("task:seq");
    expect(parentOf(topology, "task:inner_alert")).toBe("errors:task:seq");
  });

  test("a subflow links to its child flow", () => {
    const topology = buildTopology({
      tasks: [{ id: "child", type: "io.kestra.plugin.core.flow.Subflow", namespace: "company.team", flowId: "load" }],
    });
    expect(topology.nodes.find((n) => n.id === "task:child")).toMatchObject({
      kind: "subflow",
      link: { namespace: "company.team", flowId: "load" },
    });
  });

  test("a flow being typed never throws", () => {
    for (const flow of [null, 3, "text", { tasks: "x" }, { tasks: [null, 1, { type: 2 }, { id: "a" }] }, { tasks: [{ id: "d", type: "lanner.core.Dag", tasks: [{ dependsOn: "x" }] }] }]) {
      const topology = buildTopology(flow);
      expect(topology.nodes.map((n) => n.id)).toContain("end");
    }
    // duplicated ids stay distinct nodes
    const twice = buildTopology({ tasks: [{ id: "a", type: "t" }, { id: "a", type: "t" }] });
    expect(twice.nodes.map((n) => n.id)).toEqual(["start", "task:a", "task:a#2", "end"]);
  });
});

describe("layoutTopology", () => {
  test("groups enclose their children; children are placed relative to their group", () => {
    const topology = buildTopology({
      tasks: [{ id: "par", type: "lanner.core.Parallel", tasks: [{ id: "a", type: "t" }, { id: "b", type: "t" }] }],
    });
    const placed = parentsFirst(layoutTopology(topology));
    const byId = new Map(placed.map((p) => [p.node.id, p]));
    const group = byId.get("task:par")!.box;
    for (const child of ["task:a", "task:b"]) {
      const { box, position } = byId.get(child)!;
      expect(box.x).toBeGreaterThanOrEqual(group.x);
      expect(box.y).toBeGreaterThanOrEqual(group.y);
      expect(box.x + box.width).toBeLessThanOrEqual(group.x + group.width);
      expect(box.y + box.height).toBeLessThanOrEqual(group.y + group.height);
      expect(position).toEqual({ x: box.x - group.x, y: box.y - group.y });
    }
    expect(placed.findIndex((p) => p.node.id === "task:par")).toBeLessThan(placed.findIndex((p) => p.node.id === "task:a"));
  });

  test("siblings never overlap, nested groups included, in both directions", () => {
    const topology = buildTopology(
      parse(`
tasks:
  - id: first
    type: t
  - id: par
    type: lanner.core.Parallel
    tasks:
      - id: seq
        type: lanner.core.Sequential
        tasks:
          - { id: s1, type: t }
          - { id: s2, type: t }
      - id: check
        type: lanner.core.If
        condition: x
        then:
          - { id: yes, type: t }
  - id: last
    type: t
errors:
  - { id: alert, type: t }
`),
    );
    for (const direction of ["TB", "LR"] as const) {
      const placed = layoutTopology(topology, direction);
      const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      for (const a of placed)
        for (const b of placed)
          if (a !== b && a.node.parent === b.node.parent) expect(overlap(a.box, b.box), `${a.node.id} / ${b.node.id}`).toBe(false);
      const byId = new Map(placed.map((p) => [p.node.id, p.box]));
      for (const { node, box } of placed) {
        if (!node.parent) continue;
        const outer = byId.get(node.parent)!;
        expect(box.x >= outer.x && box.y >= outer.y && box.x + box.width <= outer.x + outer.width && box.y + box.height <= outer.y + outer.height, node.id).toBe(true);
      }
    }
  });

  test("a 500-task flow is laid out", () => {
    const tasks = Array.from({ length: 50 }, (_, g) => ({
      id: `g${g}`,
      type: "lanner.core.Parallel",
      tasks: Array.from({ length: 10 }, (_, i) => ({ id: `t${g}_${i}`, type: "lanner.core.Log" })),
    }));
    const placed = layoutTopology(buildTopology({ tasks }));
    expect(placed).toHaveLength(552);
    expect(placed.every((p) => Number.isFinite(p.box.x) && Number.isFinite(p.box.y))).toBe(true);
  });
});
