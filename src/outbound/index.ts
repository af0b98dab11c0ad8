/**
 * simgate → Onlinesim: PUSH_SMS from the outbox (v1, docs/protocols/onlinesim-v1.md#requests-we-send) and the v2 reseller push
 * (sendNumbersOnline/checkWork/addNumber/removeNumber, addMessages/addMessage, docs/protocols/onlinesim-v2.md).
 * The daemon composition wires these; nothing here starts on import.
 */
export { PushSmsSender, type PushSmsSenderOptions, type PushSmsStats } from "./push-sms-sender.js";
export { buildPushSms, classifyPushAnswer, isRentService, type PushVerdict } from "./push-sms-payload.js";
export { V2Client, classifyV2Answer, describeV2Failure, type V2ClientOptions, type V2Failure, type V2Method, type V2Result } from "./v2-client.js";
export { NumbersOnlinePublisher, type NumbersOnlineOptions, type NumbersOnlineStats } from "./numbers-online.js";
export { AddMessagesBatcher, type AddMessagesOptions, type AddMessagesStats } from "./add-messages.js";
export { buildNumberList, toV2Number, toMessageItem, countryIdOf, operatorOf, type LiveNumber, type V2Config } from "./v2-payload.js";
export { callingCodeOf } from "./calling-codes.js";
export { Backoff, CONFIG_BACKOFF, TRANSIENT_BACKOFF, type BackoffOptions } from "../worker/index.js";
export { CONFIG_ERROR_REMEDIES, type ConfigErrorCode } from "./config-errors.js";
