/**
 * Resynchronise a channel before the next command is written: after a timeout, and on a
 * freshly opened port (whatever an earlier program left on the line).
 *
 * ModemManager's port_serial_timed_out carries a FIXME: a reply that arrives after its
 * command timed out is taken as the reply to the next command. We close that gap: drop
 * whatever is buffered, send a bare `AT`, and wait for its answer, ignoring everything
 * else (the late reply of the timed-out command). The answer is `OK`, or a `+CME ERROR`:
 * a module that refuses even a bare AT with a reason (SIM PIN required on modules that
 * want the PIN first, 515 "busy" while it restarts) is talking to us all the same. A
 * plain `ERROR` is not taken, nor anything else.
 *
 * Because the late reply can itself end in such a final, one is not enough: the line
 * stream must then stay quiet, and another line restarts the wait, so of "late OK" +
 * "our OK" we consume both. How long is quiet enough depends on the module: one that is
 * still busy with an earlier command answers our AT only after it, one command's time
 * after the late final. So the quiet wait is `settleMs` plus the time the final took to
 * come since our AT was written: a prompt module costs `settleMs`, a slow one is waited
 * for as long as it is slow (never past the attempt's `timeoutMs`).
 * A reply later than that can still slip through; the consecutive-timeout counter is
 * what escalates such a modem.
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
  /** Quiet time after the answer before it is trusted (plus the time the answer took, see above). */
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
    let answerSeen = false;
    let writtenAt = performance.now();
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
    /** How long the last answer took since our AT: a module that slow may still owe us one. */
    let answerDelay = 0;
    const armSettle = () => {
      if (settle !== undefined) clearTimeout(settle);
      settle = setTimeout(() => finish("ok"), options.settleMs + answerDelay);
    };
    const onAbort = () => finish("aborted");
    const stopListening = io.listen((line) => {
      if (/^\x1b?AT$/i.test(line.trim())) return; // the echo of our own AT (with the ESC, on modules that echo it)
      if (isAnswer(line)) {
        answerSeen = true;
        answerDelay = performance.now() - writtenAt;
      } else {
        options.onIgnored?.(line);
      }
      if (answerSeen) armSettle();
    });
    // With an answer in hand, a stream that never goes quiet still counts at the deadline.
    const deadline = setTimeout(() => finish(answerSeen ? "ok" : "timeout"), options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const send = async () => {
      await io.flushInput();
      if (sendEsc) await io.write("\x1b");
      writtenAt = performance.now();
      await io.write("AT\r");
    };
    send().catch(() => finish("write-failed"));
  });
}

/** An answer to the bare AT: OK, or a refusal with a 27.007 reason (+CME ERROR: 11, 515, …). */
function isAnswer(line: string): boolean {
  const kind = classifyFinal(line)?.kind;
  return kind === "ok" || kind === "cme";
}
