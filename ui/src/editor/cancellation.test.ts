import { describe, expect, it } from "vitest";
import { isMonacoCancellation } from "./cancellation";

describe("isMonacoCancellation", () => {
  it("recognises Monaco's cancellation error", () => {
    const canceled = new Error("Canceled");
    canceled.name = "Canceled";
    expect(isMonacoCancellation(canceled)).toBe(true);
  });
  it("lets every other error through", () => {
    expect(isMonacoCancellation(new Error("Canceled"))).toBe(false); // an Error named "Error"
    expect(isMonacoCancellation(new TypeError("boom"))).toBe(false);
    expect(isMonacoCancellation(undefined)).toBe(false);
    expect(isMonacoCancellation("Canceled")).toBe(false);
  });
});
