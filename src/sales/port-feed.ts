/**
 * Keeps the engine's SIM table in step with the live port map. The engine reads only the
 * snapshot (no modem code); this is the one place that listens to the map. It passes the
 * snapshot through untouched, so it names no port type: the map's `PortView` and the sales
 * core's `PortInput` (src/sales/inventory.ts) meet here structurally.
 *
 * Changes are coalesced per microtask: a bring-up that touches 30 fields of a port, or a
 * hot-plug that moves 16 ports, rebuilds the table once. That is still safe: microtasks
 * run before the next I/O callback, so no GET_NUMBER can be served from a table older
 * than the last port change.
 */
export interface PortSource<P> {
  snapshot(): readonly P[];
  on(event: "changed", listener: () => void): unknown;
  off(event: "changed", listener: () => void): unknown;
}

export interface PortSink<P> {
  updatePorts(ports: readonly P[]): void;
}

/** Feed now and on every change; returns the function that stops listening. */
export function feedPorts<P>(engine: PortSink<P>, source: PortSource<P>): () => void {
  let queued = false;
  const flush = (): void => {
    queued = false;
    engine.updatePorts(source.snapshot());
  };
  const onChange = (): void => {
    if (queued) return;
    queued = true;
    queueMicrotask(flush);
  };
  source.on("changed", onChange);
  engine.updatePorts(source.snapshot());
  return () => {
    source.off("changed", onChange);
  };
}

/**
 * Run the engine's periodic check without anyone asking: release the activations its
 * overdue policy gives up on, and log and count the stale ones (issue 5 §4, issue 12).
 * Every `engine.sweepEveryMs()` (a minute with the defaults) unless told otherwise.
 * Returns stop.
 */
export function watchStale(engine: { sweep(): unknown; sweepEveryMs(): number }, intervalMs = engine.sweepEveryMs()): () => void {
  const timer = setInterval(() => engine.sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
