/** The v1 partner HTTP endpoint (Onlinesim → us, protocol doc §2.1–2.6). */
export { buildPartnerEndpoint, buildPartnerServer, type PartnerEndpoint } from "./server.js";
export type { CertificateInfo, TlsReloadResult } from "./tls.js";
export type { PartnerEngine, PartnerRequestInfo, PartnerServerOptions } from "./options.js";
export { WireError } from "./errors.js";
export { RENT_PATHS } from "./routes.js";
