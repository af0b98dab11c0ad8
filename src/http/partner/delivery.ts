/**
 * TEMPORARY re-export: this moved to the HTTP edge (src/http/edge/delivery.ts). It stays only
 * so that branches written before the move (src/markets/smshub) merge and build; point
 * their imports at src/http/edge/index.ts and delete this file.
 */
export * from "../edge/delivery.js";
