/** Source addresses: one spelling per address, loopback, and the exact-address allow-list. */
import { describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError, type SimgateError } from "../../../src/errors.js";
import { IpAllowList, isLoopback, normaliseIp } from "../../../src/http/edge/index.js";

describe("source addresses", () => {
  it("normalises addresses to one spelling", () => {
    expect(normaliseIp("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(normaliseIp("::ffff:102:304")).toBe("1.2.3.4");
    expect(normaliseIp("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(normaliseIp("[2001:DB8::0:1]")).toBe("2001:db8::1");
    expect(normaliseIp("fe80::1%eth0")).toBe("fe80::1");
    expect(normaliseIp(" 10.0.0.1 ")).toBe("10.0.0.1");
    expect(normaliseIp("10.0.0.0/8")).toBeUndefined();
    expect(normaliseIp("example.com")).toBeUndefined();
    expect(new IpAllowList([]).allows(undefined)).toBe(true);
    expect(new IpAllowList(["1.2.3.4"]).allows(undefined)).toBe(false);
  });

  it("counts 127.0.0.0/8 and ::1 as loopback, in normalised spelling", () => {
    for (const ip of ["127.0.0.1", "127.1.2.3", "::1", normaliseIp("::ffff:127.0.0.1")!]) expect(isLoopback(ip), ip).toBe(true);
    for (const ip of ["10.0.0.1", "::2", "128.0.0.1"]) expect(isLoopback(ip), ip).toBe(false);
  });

  it("an allow-list judges a peer in any spelling, and refuses a range naming its setting", () => {
    const list = new IpAllowList(["::ffff:10.0.0.7", "2001:db8::1"]);
    expect(list.allows("10.0.0.7")).toBe(true);
    expect(list.allows("[2001:DB8:0::1]")).toBe(true);
    expect(list.allows("10.0.0.8")).toBe(false);
    let err: unknown;
    try {
      new IpAllowList(["10.0.0.0/8"], "markets.smshub.allowIps");
    } catch (e) {
      err = e;
    }
    expect(isSimgateError(err, ErrorCode.HttpOptionsInvalid)).toBe(true);
    expect((err as SimgateError).plainMessage).toBe('markets.smshub.allowIps: "10.0.0.0/8" is not an IP address (exact addresses only, no ranges)');
  });
});
