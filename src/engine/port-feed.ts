/**
 * Keeps the engine's SIM table in step with the live port map. The engine reads only the
 * snapshot (no modem code); this is the one place that listens to the map.
 *
 * Changes are coalesced per microtask: a bring-up that touches 30 fields of a port, or a
 * hot-plug that moves 16 ports, rebuilds the table once. That is still safe: microtasks
 * run before the next I/O callback, so no GET_NUMBER can be served from a table older
 * than the last port change.
 */
import type { PortInput } from "./inventory.js";

export interface PortSource {
  snapshot(): readonly PortInput[];
  on(event: "changed", listener: () => void): unknown;
  off(event: "changed", listener: () => void): unknown;
}

export interface PortSink {
  updatePorts(ports: readonly PortInput[]): void;
}

/** Feed now and on every change; returns the function that stops listening. */
export function feedPorts(engine: PortSink, source: PortSource): () => void {
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
 * Check for stale activations every `intervalMs` (default one minute) so one that is far
 * past its life is logged and counted without anyone asking (issue 5 §4). Returns stop.
 */
export function watchStale(engine: { staleActivations(): unknown }, intervalMs = 60_000): () => void {
  const timer = setInterval(() => engine.staleActivations(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
