/**
 * @paychain/gateway: what wallets, merchants and consoles talk to (issue 4, being built). So
 * far: EMVCo merchant-presented QR codes, the gateway's storage on SQLite or PostgreSQL, the
 * first HTTP routes (sign-up, sessions, devices, idempotency keys),
 * password hashing and session tokens, and the bank's core system behind an interface.
 */
export * from './auth/password.ts';
export * from './auth/tokens.ts';
export * from './bank/core-banking.ts';
export * from './db/gateway-db.ts';
export { type GatewayDbSpec, type OpenGatewayDbOptions, openGatewayDb, parseGatewayDbSpec } from './db/open-db.ts';
export * from './http/api-errors.ts';
export {
  BODY_BYTES_MAX,
  createGatewayApp,
  type GatewayAppOptions,
  type GatewayRateLimitOptions,
  SESSION_LIFETIME_MS,
} from './http/gateway-app.ts';
export * from './qr/emvco.ts';
