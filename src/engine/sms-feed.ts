/**
 * Whole SMS from the port map → stored → routed (issue 5 §5). The order matters: the
 * message is stored first (the durable hand-off; its parts were stored even earlier, which
 * is what let the modem delete them), and only a stored message is routed, so a crash
 * between the two leaves a stored, unrouted SMS — visible, never lost.
 */
import type { Logger } from "../log/logger.js";
import type { RouteOutcome, SmsToRoute } from "./sms-routing.js";

/** The fields of a port-map `sms-received` event the routing needs (PortView and CompleteSms fit). */
export interface ReceivedSmsPort {
  readonly id: string;
  readonly iccid: string | null;
  readonly number: string | null;
}
export interface ReceivedSms {
  readonly iccid: string | null;
}

export interface SmsSource<S extends ReceivedSms> {
  on(event: "sms-received", listener: (port: ReceivedSmsPort, sms: S) => void): unknown;
  off(event: "sms-received", listener: (port: ReceivedSmsPort, sms: S) => void): unknown;
}

/**
 * `store` persists the whole message and returns its id (src/store `sms.storeMessage(sms).id`);
 * `onRouted` sees every outcome (e.g. to wake the PUSH_SMS sender). Returns stop.
 */
export function feedSms<S extends ReceivedSms>(
  engine: { routeSms(sms: SmsToRoute): RouteOutcome },
  source: SmsSource<S>,
  store: (sms: S) => number,
  log: Logger,
  clock: () => number = Date.now,
  onRouted: (outcome: RouteOutcome, smsId: number) => void = () => undefined,
): () => void {
  const listener = (port: ReceivedSmsPort, sms: S): void => {
    let smsId: number;
    try {
      smsId = store(sms);
    } catch (err) {
      // The parts are stored already; the message can be rebuilt from them. Do not route an unstored SMS.
      log.error({ event: "sms-store-failed", err, portId: port.id }, "could not store a whole SMS; not routed");
      return;
    }
    const outcome = engine.routeSms({ smsId, portId: port.id, iccid: sms.iccid ?? port.iccid, number: port.number, receivedAt: clock() });
    onRouted(outcome, smsId);
  };
  source.on("sms-received", listener);
  return () => {
    source.off("sms-received", listener);
  };
}
