/** Whether a client's Accept-Encoding allows a gzip answer (RFC 9110 rules). */
import { describe, expect, it } from "vitest";
import { acceptsGzip } from "../../../src/http/edge/index.js";

describe("acceptsGzip", () => {
  it.each([
    ["gzip", true],
    ["GZIP;q=0.5", true],
    ["x-gzip", true],
    ["deflate, gzip;q=0", false],
    ["*", true],
    ["*, gzip;q=0", false],
    ["*;q=0", false],
    ["identity", false],
    ["", false],
  ])("Accept-Encoding %j → gzip %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
