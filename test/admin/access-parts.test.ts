/**
 * The parts of the admin listener's access control on their own: the Host allow-list (DNS
 * rebinding), the status page's session values, and the generated admin token file.
 * The whole, over HTTP against the real daemon, is access.test.ts.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { AllowedHosts, parseHostName } from "../../src/http/admin/allowed-hosts.js";
import { AdminSessions, cookieValue, SESSION_LIFETIME_MS } from "../../src/http/admin/session.js";
import { daemonAdminToken, readTokenFile } from "../../src/http/admin/admin-token.js";

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join("."));

describe("AllowedHosts", () => {
  const local = { address: "127.0.0.1", port: 8081 };
  const hosts = new AllowedHosts(["127.0.0.1", "simgate.lan", "proxy.example:8443"]);

  it.each(["localhost", "localhost:8081", "LocalHost:8081", "127.0.0.1", "127.0.0.1:8081", "[::1]", "[::1]:8081", "[0:0:0:0:0:0:0:1]:8081", "simgate.lan", "simgate.lan:8081", "proxy.example:8443"])("allows %s", (h) => {
    expect(hosts.allows(h, local)).toBe(true);
  });

  it.each([undefined, "", "attacker.example", "localhost:8082", "localhost.", "localhost.attacker.example", "127.0.0.2:8081", "127.1:8081", "proxy.example", "proxy.example:8081", "simgate.lan:9999", "[::2]:8081", "[zz]:8081", "localhost:99999", "user@localhost:8081", "localhost:8081/x"])("refuses %s", (h) => {
    expect(hosts.allows(h, local)).toBe(false);
  });

  it("allows the local address a connection reached (a 0.0.0.0 bind dialled by its LAN address), nothing else", () => {
    const wildcard = new AllowedHosts(["0.0.0.0"]);
    expect(wildcard.allows("192.168.7.20:8081", { address: "::ffff:192.168.7.20", port: 8081 })).toBe(true);
    expect(wildcard.allows("192.168.7.21:8081", { address: "::ffff:192.168.7.20", port: 8081 })).toBe(false);
  });

  it("never allows a name that is not configured, with or without the port (property)", () => {
    fc.assert(
      fc.property(hostName, fc.option(fc.integer({ min: 1, max: 65535 })), (name, port) => {
        fc.pre(!["localhost", "simgate.lan"].includes(name));
        expect(hosts.allows(port === null ? name : `${name}:${port}`, local)).toBe(false);
      }),
    );
  });

  it("refuses a config entry that is not a host name", () => {
    expect(() => new AllowedHosts(["http://simgate.lan"])).toThrow(/not a host name/);
    expect(parseHostName("[::1]:80")).toEqual({ host: "::1", port: 80 });
  });
});

describe("AdminSessions", () => {
  const sessions = new AdminSessions("the-admin-token-0123456789");
  const t0 = Date.UTC(2026, 0, 1);

  it("issues values that are valid until they expire, and do not contain the token", () => {
    const s = sessions.issue(t0);
    expect(s.value).not.toContain("the-admin-token");
    expect(s.maxAgeSeconds).toBe(SESSION_LIFETIME_MS / 1000);
    expect(sessions.valid(s.value, t0)).toBe(true);
    expect(sessions.valid(s.value, t0 + SESSION_LIFETIME_MS - 1000)).toBe(true);
    expect(sessions.valid(s.value, t0 + SESSION_LIFETIME_MS)).toBe(false);
    expect(sessions.issue(t0).value).not.toBe(s.value);
  });

  it("a session of another token, or of a token since changed, is not valid", () => {
    const s = sessions.issue(t0);
    expect(new AdminSessions("another-admin-token-0123456789").valid(s.value, t0)).toBe(false);
  });

  it("any change to a session value makes it invalid (property)", () => {
    const s = sessions.issue(t0).value;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: s.length - 1 }), fc.constantFrom(..."ABCabc019-_."), (i, c) => {
        fc.pre(s[i] !== c);
        expect(sessions.valid(s.slice(0, i) + c + s.slice(i + 1), t0)).toBe(false);
      }),
    );
    // A later expiry written in by hand does not verify either.
    const [v, , nonce, mac] = s.split(".");
    expect(sessions.valid(`${v}.9999999999.${nonce}.${mac}`, t0)).toBe(false);
  });

  it("reads its cookie out of a Cookie header", () => {
    expect(cookieValue("a=1; simgate_session_8081=v1.x; b=2", "simgate_session_8081")).toBe("v1.x");
    expect(cookieValue("simgate_session_80811=no", "simgate_session_8081")).toBeUndefined();
    expect(cookieValue(undefined, "x")).toBeUndefined();
  });
});

describe("the generated admin token file", () => {
  let dir: string | undefined;
  const fresh = (): string => (dir = mkdtempSync(join(tmpdir(), "simgate-token-")));
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is made once, mode 0600, and read back at the next start; a configured token wins and writes nothing", () => {
    const d = fresh();
    const first = daemonAdminToken(undefined, d);
    expect(first).toMatchObject({ file: join(d, "admin-token"), generated: true });
    expect(statSync(join(d, "admin-token")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d, "admin-token"), "utf8")).toBe(`${first.token}\n`);
    expect(daemonAdminToken(undefined, d)).toEqual({ token: first.token, file: join(d, "admin-token"), generated: false });
    const other = fresh();
    expect(daemonAdminToken("configured-token-0123456789", other)).toEqual({ token: "configured-token-0123456789", file: undefined, generated: false });
    expect(readTokenFile(join(other, "admin-token"))).toEqual({ kind: "missing" });
  });

  it("refuses a file every user can read, and one that holds no token, with the remedy", () => {
    const d = fresh();
    const file = join(d, "admin-token");
    writeFileSync(file, "a-token-everyone-can-read-0123\n", { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(() => daemonAdminToken(undefined, d)).toThrow(/readable or writable by every user \(mode 644\).*delete it and restart simgate/);
    chmodSync(file, 0o600);
    writeFileSync(file, "\n");
    expect(() => daemonAdminToken(undefined, d)).toThrow(/does not hold an admin token.*delete it and restart/);
  });
});
