import { describe, expect, it } from "vitest";
import { SseParser } from "./sse";

describe("SseParser", () => {
  it("reads Kestra's follow frames: id, then JSON data", () => {
    const parser = new SseParser();
    const events = parser.push('id: start\ndata: {}\n\nid: progress\ndata: {"message":"hi"}\n\n');
    expect(events).toEqual([
      { id: "start", event: "message", data: "{}" },
      { id: "progress", event: "message", data: '{"message":"hi"}' },
    ]);
  });

  it("joins events split across chunks, anywhere", () => {
    const parser = new SseParser();
    const text = 'id: end\nevent: state\ndata: {"a":\ndata: 1}\n\n';
    const events = [...text].flatMap((char) => parser.push(char));
    expect(events).toEqual([{ id: "end", event: "state", data: '{"a":\n1}' }]);
  });

  it("skips keep-alive comments and accepts CRLF line ends", () => {
    const parser = new SseParser();
    expect(parser.push(": keep-alive\r\n\r\n")).toEqual([]);
    expect(parser.push("data: x\r")).toEqual([]);
    expect(parser.push("\n\r\n")).toEqual([{ id: null, event: "message", data: "x" }]);
  });
});
