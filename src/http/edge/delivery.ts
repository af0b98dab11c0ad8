/**
 * Whether a GET_NUMBER answer can still reach, and did reach, the client on its connection.
 * An activation whose answer never left is one Onlinesim never heard of: it will never
 * FINISH it, so the number must be freed at once (engine `withdrawUndelivered`).
 *
 * What node tells us, measured on node 20 (test/http/partner-undelivered.test.ts and the
 * SIGSTOP end-to-end test exercise each case):
 *  - A client that closes (FIN) while we work: the socket's end-of-stream is read by the
 *    event loop's next poll phase, after which `socket.readableEnded` is true and node's
 *    server (httpAllowHalfOpen off) destroys the socket. Until then nothing shows it: a
 *    process paused with SIGSTOP resumes with the request and the FIN both waiting in the
 *    kernel, and would happily answer into the dead connection. `settle()` lets that poll
 *    phase happen, before a number is reserved and again after its commit (which blocks
 *    the event loop for an fsync, or for as long as the process was paused in it).
 *  - A reset (RST) or a failed write destroys the socket; the response then emits 'close'
 *    without ever emitting 'finish'. (Its `writableFinished` may still read true, so the
 *    'finish' event itself is what counts.)
 *  - 'finish' means the whole answer was handed to the kernel. Whether the client then
 *    read it is unknowable over HTTP; after 'finish' nothing is rolled back, because
 *    freeing a number Onlinesim did learn would sell it twice. The rare answer lost after
 *    that point is left to the overdue release.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ClientConnection {
  #writeError: string | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  /** Why this connection can no longer carry our answer, or undefined while it can. */
  lostReason(): string | undefined {
    const socket = this.req.socket as IncomingMessage["socket"] | null;
    if (this.#writeError !== undefined) return `the answer could not be written (${this.#writeError})`;
    // A FIN first: node destroys the socket right after it, and "closed" says more than "gone".
    if (socket?.readableEnded) return "the client closed the connection";
    if (socket === null || socket.destroyed || this.res.destroyed) return "the connection was closed or reset";
    return undefined;
  }

  /**
   * Wait until the event loop has read what already waits in the kernel for this socket (a
   * FIN or a reset). Two turns: the first may run before the next poll phase, the second
   * runs after it. Costs well under a millisecond.
   */
  async settle(): Promise<void> {
    await nextTurn();
    await nextTurn();
  }

  /**
   * Call right before sending the answer: `onLost(reason)` runs once if the answer does not
   * reach the socket (the connection is gone already, or closes before 'finish').
   */
  watchAnswer(onLost: (reason: string) => void): void {
    const gone = this.lostReason();
    if (gone !== undefined) {
      onLost(gone);
      return;
    }
    const socket = this.req.socket;
    let finished = false;
    const onSocketError = (err: Error & { code?: string }): void => {
      this.#writeError = err.code ?? err.message;
    };
    socket.once("error", onSocketError);
    this.res.once("finish", () => {
      finished = true;
    });
    this.res.once("close", () => {
      // A keep-alive socket serves many requests: no listener outlives this one.
      socket.off("error", onSocketError);
      if (!finished) onLost(this.lostReason() ?? "the connection closed before the answer was written");
    });
  }
}
