import { expect, test } from "vitest";
import type { Execution } from "../api/types";
import { eligible } from "./bulk";

const execution = (id: string, current: string) => ({ id, state: { current, histories: [] } }) as unknown as Execution;

test("each bulk action keeps the selected executions it applies to", () => {
  const list = [execution("a", "RUNNING"), execution("b", "FAILED"), execution("c", "SUCCESS"), execution("d", "PAUSED"), execution("e", "KILLED")];
  const selected = new Set(["a", "b", "c", "d", "e"]);
  expect(eligible("kill", list, selected)).toEqual(["a", "d"]);
  expect(eligible("restart", list, selected)).toEqual(["b", "e"]);
  expect(eligible("delete", list, selected)).toEqual(["b", "c", "e"]);
  expect(eligible("delete", list, new Set(["c", "zz"]))).toEqual(["c"]);
});
