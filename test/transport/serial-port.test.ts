import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { once } from "node:events";
import { openBytePort } from "../../src/transport/serial-port.js";
import { ErrorCode, SimgateError } from "../../src/errors.js";
import type { BytePort } from "../../src/transport/byte-port.js";
import { startPtyPair, type PtyPair } from "../helpers/socat-pair.js";

/** Collect bytes from a port until `predicate` holds (bounded by the test timeout). */
function readUntil(port: BytePort, predicate: (all: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    let all = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      all = Buffer.concat([all, chunk]);
      if (predicate(all)) {
        port.off("data", onData);
        resolve(all);
      }
    };
    port.on("data", onData);
  });
}

describe("openBytePort over real pseudo-terminals (native serialport binding)", () => {
  let pair: PtyPair;
  const opened: BytePort[] = [];

  beforeEach(async () => {
    pair = await startPtyPair();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close()));
    await pair.cleanup();
  });

  it("carries bytes both ways unchanged, including CR, LF, Ctrl-Z and 0xFF", async () => {
    const host = await openBytePort({ path: pair.a });
    const device = await openBytePort({ path: pair.b });
    opened.push(host, device);
    const payload = Buffer.from([0x41, 0x54, 0x0d, 0x0a, 0x1a, 0xff, 0x00, 0x7e]);
    const received = readUntil(device, (all) => all.length >= payload.length);
    await host.write(payload);
    expect(await received).toEqual(payload);

    const reply = readUntil(host, (all) => all.toString("latin1").endsWith("OK\r\n"));
    await device.write("\r\nOK\r\n");
    expect((await reply).toString("latin1")).toBe("\r\nOK\r\n");
  });

  it("writes more than the tty's output buffer holds, in order, waiting for room instead of failing", async () => {
    const host = await openBytePort({ path: pair.a });
    const device = await openBytePort({ path: pair.b });
    opened.push(host, device);
    // 3 × 96 KiB is far beyond the pty's few KiB of buffer: the writes meet a full buffer and must wait.
    const chunks = [0x31, 0x32, 0x33].map((fill) => Buffer.alloc(96 * 1024, fill));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const received = readUntil(device, (all) => all.length >= total);
    await Promise.all(chunks.map((c) => host.write(c)));
    expect((await received).equals(Buffer.concat(chunks))).toBe(true);
  });

  it("refuses a second owner of the same tty (exclusive lock)", async () => {
    const first = await openBytePort({ path: pair.a });
    opened.push(first);
    const second = openBytePort({ path: pair.a });
    await expect(second).rejects.toMatchObject({ code: ErrorCode.TransportOpenFailed });
  });

  it("reports a vanished device as a TransportDisconnected close", async () => {
    const host = await openBytePort({ path: pair.a });
    opened.push(host);
    const closed = once(host, "close");
    await pair.kill();
    const [err] = (await closed) as [SimgateError | undefined];
    expect(err).toBeInstanceOf(SimgateError);
    expect(err?.code).toBe(ErrorCode.TransportDisconnected);
    expect(host.isOpen).toBe(false);
    await expect(host.write("AT\r")).rejects.toMatchObject({ code: ErrorCode.TransportNotOpen });
  });

  it("closes without an error when we close it ourselves", async () => {
    const host = await openBytePort({ path: pair.a });
    const closed = once(host, "close");
    await host.close();
    const [err] = await closed;
    expect(err).toBeUndefined();
    await host.close(); // idempotent
  });
});

describe("openBytePort errors", () => {
  it("gives a coded error naming the path when the port does not exist", async () => {
    const err = await openBytePort({ path: "/dev/simgate-no-such-port" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimgateError);
    expect((err as SimgateError).code).toBe(ErrorCode.TransportOpenFailed);
    expect((err as SimgateError).message).toContain("/dev/simgate-no-such-port");
  });
});
