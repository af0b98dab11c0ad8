/** The v1 partner HTTP endpoint (Onlinesim → us, docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us). */
export { buildPartnerEndpoint, buildPartnerServer, type PartnerEndpoint } from "./server.js";
export type { CertificateInfo, TlsReloadResult } from "./tls.js";
export type { PartnerEngine, PartnerRequestInfo, PartnerServerOptions } from "./options.js";
export { WireError } from "./errors.js";
export { RENT_PATHS } from "./routes.js";
