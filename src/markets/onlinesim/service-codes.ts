/**
 * Our canonical service ids and Onlinesim's service names. Onlinesim's list is not public
 * (docs/protocols/open-questions.md); its names are lowercase English words (`facebook`,
 * `telegram`), and simgate's canonical ids were chosen as the same words, so the default
 * table is the identity. A name that differs (a rename by Onlinesim, or a canonical id
 * another marketplace chose) is set in config, canonical id → Onlinesim name.
 */
import type { ServiceId } from "../../sales/types.js";

export class ServiceCodes {
  readonly #toCode = new Map<ServiceId, string>();
  readonly #toService = new Map<string, ServiceId>();

  /** `services`: the canonical ids sold here; `overrides`: canonical id → Onlinesim name where they differ. */
  constructor(services: readonly ServiceId[], overrides: Readonly<Record<ServiceId, string>> = {}) {
    for (const service of services) {
      const code = overrides[service] ?? service;
      this.#toCode.set(service, code);
      this.#toService.set(code, service);
    }
  }

  /** Onlinesim's name of a canonical service. */
  code(service: ServiceId): string {
    return this.#toCode.get(service) ?? service;
  }

  /** The canonical service of an Onlinesim name, or undefined when we do not sell it. */
  service(code: string): ServiceId | undefined {
    return this.#toService.get(code);
  }
}
