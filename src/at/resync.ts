/**
 * Resynchronise a channel after a timeout, before the next command is written.
 *
 * ModemManager's port_serial_timed_out carries a FIXME: a reply that arrives after its
 * command timed out is taken as the reply to the next command. We close that gap: drop
 * whatever is buffered, send a bare `AT`, and wait for its `OK`, ignoring everything
 * else (the late reply of the timed-out command). Because the late reply can itself end
 * in `OK`, one `OK` is not enough: the line stream must then stay quiet for `settleMs`;
 * another line restarts the wait, so of "late OK" + "our OK" we consume both.
 * A reply later than `timeoutMs + settleMs` after the resync can still slip through; the
 * consecutive-timeout counter is what escalates such a modem.
 */
import { classifyFinal } from "./final-result.js";

export interface ResyncIo {
  /** Discard bytes received but not yet framed (port buffer and framer partial line). */
  flushInput(): Promise<void>;
  write(data: string): Promise<void>;
  /** Route lines that no URC claimed to `listener` until the returned function is called. */
  listen(listener: (line: string) => void): () => void;
}

export interface ResyncOptions {
  /** Bare `AT` attempts; MM's probe retries `AT` too, as modules miss the first one after idle. */
  attempts: number;
  /** Wait for `OK` per attempt. */
  timeoutMs: number;
  /** Quiet time after an `OK` before it is trusted. */
  settleMs: number;
  /** Send ESC first: the timed-out command may have left the modem at the `> ` prompt (gammu ATGEN_Initialise). */
  abortPrompt: boolean;
  signal?: AbortSignal;
  /** A line ignored while waiting (logged by the caller, never dropped silently). */
  onIgnored?: (line: string) => void;
}

export interface ResyncResult {
  ok: boolean;
  attempts: number;
}

type AttemptOutcome = "ok" | "timeout" | "aborted" | "write-failed";

export async function resync(io: ResyncIo, options: ResyncOptions): Promise<ResyncResult> {
  for (let n = 1; n <= options.attempts; n++) {
    if (options.signal?.aborted) return { ok: false, attempts: n - 1 };
    const outcome = await attempt(io, options, n === 1 && options.abortPrompt);
    if (outcome === "ok") return { ok: true, attempts: n };
    if (outcome !== "timeout") return { ok: false, attempts: n };
  }
  return { ok: false, attempts: options.attempts };
}

function attempt(io: ResyncIo, options: ResyncOptions, sendEsc: boolean): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    let okSeen = false;
    let settle: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const finish = (outcome: AttemptOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      if (settle !== undefined) clearTimeout(settle);
      stopListening();
      options.signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const armSettle = () => {
      if (settle !== undefined) clearTimeout(settle);
      settle = setTimeout(() => finish("ok"), options.settleMs);
    };
    const onAbort = () => finish("aborted");
    const stopListening = io.listen((line) => {
      if (/^AT$/i.test(line.trim())) return; // the echo of our own AT
      if (classifyFinal(line)?.kind === "ok") {
        okSeen = true;
      } else {
        options.onIgnored?.(line);
      }
      if (okSeen) armSettle();
    });
    // With an OK in hand, a stream that never goes quiet still counts at the deadline.
    const deadline = setTimeout(() => finish(okSeen ? "ok" : "timeout"), options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const send = async () => {
      await io.flushInput();
      if (sendEsc) await io.write("\x1b");
      await io.write("AT\r");
    };
    send().catch(() => finish("write-failed"));
  });
}
