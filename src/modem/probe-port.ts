import { AtChannel } from "../at/index.js";
import { openBytePort, type BindingInterface } from "../transport/serial-port.js";
import { silentLogger, type Logger } from "../log/logger.js";
import { PROBE_CHANNEL_OPTIONS, probeModem, type ProbeOptions, type ProbeResult } from "./probe.js";

export interface ProbePortOptions {
  path: string;
  /** Default: the registry's best match for the module's identity. */
  chooseDriver?: ProbeOptions["chooseDriver"];
  baudRate?: number;
  binding?: BindingInterface;
  logger?: Logger;
}

/**
 * Open a port, probe it and close it again. Rejects with TransportOpenFailed when the
 * port cannot be opened and ModemNotResponding when nothing on it answers AT.
 */
export async function probePort(options: ProbePortOptions): Promise<ProbeResult> {
  const port = await openBytePort({
    path: options.path,
    ...(options.baudRate !== undefined ? { baudRate: options.baudRate } : {}),
    ...(options.binding ? { binding: options.binding } : {}),
  });
  const channel = new AtChannel(port, { ...PROBE_CHANNEL_OPTIONS, logger: options.logger ?? silentLogger() });
  try {
    return await probeModem(channel, options.chooseDriver ? { chooseDriver: options.chooseDriver } : {});
  } finally {
    await channel.close();
  }
}
