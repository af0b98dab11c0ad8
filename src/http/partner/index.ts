/** The v1 partner HTTP endpoint (Onlinesim → us, protocol doc §2.1–2.6). */
export { buildPartnerEndpoint, buildPartnerServer, type PartnerEndpoint } from "./server.js";
export type { CertificateInfo, TlsReloadResult } from "../edge/index.js";
export type { PartnerEngine, PartnerRequestInfo, PartnerServerOptions } from "./options.js";
export { WireError } from "../edge/index.js";
export { RENT_PATHS } from "./routes.js";
