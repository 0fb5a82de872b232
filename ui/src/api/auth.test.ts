import { describe, expect, it } from "vitest";
import { authHeaders, basicAuthorization, bearerAuthorization, loginUrl, safeNext } from "./auth";

describe("credentials", () => {
  it("encodes basic credentials as UTF-8", () => {
    expect(basicAuthorization("ada", "lovelace")).toBe("Basic YWRhOmxvdmVsYWNl");
    expect(basicAuthorization("zoë", "pässword")).toBe("Basic em/Dqzpww6Rzc3dvcmQ="); // UTF-8 bytes, as servers read them
    expect(bearerAuthorization("  t0ken \n")).toBe("Bearer t0ken");
  });

  it("always asks the server not to invite the browser's own dialog", () => {
    expect(authHeaders(null)).toEqual({ "X-Requested-With": "XMLHttpRequest" });
    expect(authHeaders("Bearer x")).toEqual({ "X-Requested-With": "XMLHttpRequest", Authorization: "Bearer x" });
  });
});

describe("after logging in", () => {
  it("goes back to a page of the app only", () => {
    expect(safeNext("/executions?state=FAILED")).toBe("/executions?state=FAILED");
    expect(safeNext(null)).toBe("/flows");
    expect(safeNext("https://evil.example/")).toBe("/flows");
    expect(safeNext("//evil.example/")).toBe("/flows");
    expect(safeNext("/login?next=/x")).toBe("/flows");
  });

  it("builds the login address with where to come back", () => {
    expect(loginUrl("/flows?q=a", false)).toBe("/ui/login?next=%2Fflows%3Fq%3Da");
    expect(loginUrl("/", true)).toBe("/ui/login?next=%2F&expired=1");
  });
});
