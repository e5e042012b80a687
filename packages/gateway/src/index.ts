/**
 * @paychain/gateway: what wallets, merchants and consoles talk to. The HTTP API (users, wallets, merchants, QR and
 * pay codes, refunds, pre-authorizations, purpose-bound programs, ops), the money flows on the ledger (`PaymentService`), storage on SQLite
 * or PostgreSQL, EMVCo QR codes, webhooks and live feeds, and the one server `paychain start` runs.
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
  gatewayPlugin,
  SESSION_LIFETIME_MS,
} from './http/gateway-app.ts';
export { LiveFeed } from './http/live-feed.ts';
export { type GatewayIssuer, GatewayLedger, TX_LIFETIME_MS } from './ledger/gateway-ledger.ts';
export { GatewaySecrets } from './ledger/gateway-secrets.ts';
export * from './qr/emvco.ts';
export {
  createPaychainServer,
  loadMasterSecret,
  type PaychainServer,
  type PaychainServerOptions,
  passkeyConfigOf,
  SIMULATED_BANK_OPENING,
} from './server.ts';
export { PaymentService, payCodeHash } from './service/payment-service.ts';
export { type NewProgramInput, ProgramService } from './service/program-service.ts';
export * from './webhooks/webhook-signature.ts';
