/** The SMSHUB agent protocol and its clones (SMSBower, Grizzly SMS) as a marketplace adapter. */
export { DIALECTS, DIALECT_NAMES, isDialectName, type DialectName, type SmshubDialect } from "./dialects.js";
export { NameBook, FAMILY_SERVICE_CODES, FAMILY_COUNTRY_NAMES, FAMILY_OPERATOR_NAMES, type NameOverrides } from "./names.js";
export { smshubEndpoint, buildSmshubServer, type SmshubEndpointOptions, type SmshubRequestInfo } from "./endpoint.js";
export { SmshubSmsDelivery, buildSmshubPushSms, classifySmshubPushAnswer, PUSH_SMS_RETRY_MS } from "./push-sms.js";
export { outcomeOf, FINISH_STATUSES } from "./outcomes.js";
export { smshubMarketConfigSchema, dialectOf, nameBookOf, pushSmsUrlOf, marketRulesOf, type SmshubMarketConfig } from "./config.js";
