/**
 * How the gateway API shows its objects: users, merchants and payments as JSON, money as `{amount, currency}` with a
 * decimal string. One place, so every route answers the same shapes (and the schemas in `payment-schemas.ts`
 * describe them). Nothing secret is ever put in a view: no password hash, no sealed key, no pay-code hash.
 */
import { bytesToHex } from '@paychain/core';
import type { Device, Merchant, User } from '../db/gateway-db.ts';
import type { PaymentOutcome, PaymentService, PaymentView } from '../service/payment-service.ts';

export function userToJson(user: User, payments: PaymentService) {
  const limit = payments.ledger.tierLimit(user.kycTier);
  const currency = payments.ledger.currency;
  return {
    id: user.id,
    phone: user.phone,
    kycTier: user.kycTier,
    keyMode: user.keyMode,
    publicKey: bytesToHex(user.publicKey),
    ledgerAccountId: user.ledgerAccountId,
    status: user.status,
    role: user.role,
    createdAtMs: user.createdAtMs,
    limits: {
      perPayment: limit === null ? null : payments.formatMoney(limit.perPaymentMax, currency),
      perDay: limit === null ? null : payments.formatMoney(limit.perDayMax, currency),
    },
  };
}

export function deviceToJson(device: Device) {
  return {
    deviceId: device.deviceId,
    label: device.label,
    boundAtMs: device.boundAtMs,
    revokedAtMs: device.revokedAtMs,
  };
}

export function merchantToJson(merchant: Merchant, payments: PaymentService) {
  const currency = payments.ledger.currency;
  return {
    id: merchant.id,
    name: merchant.name,
    mcc: merchant.mcc,
    city: merchant.city,
    region: merchant.region,
    settlementAccountId: merchant.settlementAccountId,
    bankAccount: merchant.bankAccount,
    staticQr: payments.staticQr(merchant, currency),
    createdAtMs: merchant.createdAtMs,
  };
}

/**
 * A payment as `viewerAccountIds` see it: money into one of them is "in", anything else "out"; the counterparty is
 * the other side's label (a phone number, a merchant's name, or the bank).
 */
export function paymentToJson(view: PaymentView, payments: PaymentService, viewerAccountIds: readonly string[]) {
  const incoming =
    view.kind === 'topup' ||
    (view.kind !== 'withdraw' && view.kind !== 'payout' && viewerAccountIds.includes(view.payeeAccountId));
  const counterpartyLabel = incoming ? view.payerLabel : view.payeeLabel;
  const withBank = view.kind === 'topup' || view.kind === 'withdraw' || view.kind === 'payout';
  // A merchant is the other side of its payments, seen by the payer, and of its refunds.
  const withMerchant = view.merchantId !== null && (!incoming || view.kind === 'refund');
  const counterpartyKind = withBank ? 'bank' : withMerchant ? 'merchant' : 'user';
  return {
    txId: view.txId,
    kind: view.kind,
    status: view.status,
    amount: payments.formatMoney(view.amount, view.currency),
    refunded: payments.formatMoney(view.refunded, view.currency),
    direction: incoming ? 'in' : 'out',
    counterparty: { kind: counterpartyKind, name: counterpartyLabel },
    merchantId: view.merchantId,
    refundOf: view.refundOf,
    authorizationOf: view.authorizationOf,
    memo: view.memo,
    code: view.code,
    createdAtMs: view.createdAtMs,
    ledger: view.ledgerHeight === null ? null : { height: view.ledgerHeight.toString(), index: view.ledgerIndex },
    receipt: view.receipt,
    programId: view.programId,
    fx:
      view.fx === null
        ? null
        : {
            quoteId: view.fx.quoteId,
            paid: payments.formatMoney(view.fx.paidAmount, view.fx.paidCurrency),
            rate: { num: view.fx.rateNum.toString(), den: view.fx.rateDen.toString() },
          },
  };
}

export function outcomeToJson(outcome: PaymentOutcome, payments: PaymentService, viewerAccountIds: readonly string[]) {
  return {
    ...paymentToJson(outcome.payment, payments, viewerAccountIds),
    ...(outcome.signing === null ? {} : { signing: outcome.signing }),
  };
}

/** 201 for a final payment, 202 while it waits for a signature or for its block. */
export function outcomeStatus(outcome: PaymentOutcome): number {
  return outcome.payment.status === 'final' ? 201 : 202;
}
