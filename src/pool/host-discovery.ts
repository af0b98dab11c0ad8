import { spawn } from "node:child_process";
import { readdir, realpath } from "node:fs/promises";
import { nativeBinding, type BindingInterface } from "../transport/serial-port.js";
import type { Logger } from "../log/logger.js";
import { atInterfaceFor, usbCompositionWithoutAt } from "../../drivers/registry.js";
import type { DiscoveryDeps } from "./discovery.js";

/**
 * Discovery wired to the real host: /dev/serial links, udevadm (when present), the
 * serial binding's list and the drivers' USB tables (interface roles, compositions
 * without an AT port). The composition root and
 * the CLI use this; tests inject their own fs, spawn and binding.
 */
export function hostDiscoveryDeps(options: { logger?: Logger; binding?: BindingInterface } = {}): DiscoveryDeps {
  return {
    fs: { readdir: (path) => readdir(path), realpath: (path) => realpath(path) },
    spawn,
    binding: options.binding ?? nativeBinding(),
    interfaceRole: (vendorId, productId, interfaceNumber) => atInterfaceFor(vendorId, productId, interfaceNumber),
    usbWithoutAt: (vendorId, productId) => usbCompositionWithoutAt(vendorId, productId),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}
