/**
 * `paychain qr parse` and `paychain qr make`: EMVCo merchant-presented QR payloads from the command
 * line, for merchants printing a static code, for testing a wallet's scanner, and for support staff
 * asking "why does this code not scan?". The rules live in `@paychain/gateway`; this file only maps
 * options to its inputs and its refusals to one-line errors (exit 1 for a refused payload, 2 for bad
 * options).
 */
import { type AccountId, assert, isId128, parseAmount } from '@paychain/core';
import {
  type EmvField,
  emvTagName,
  encodeMerchantQr,
  isQrCurrencyAlpha,
  isQrExpired,
  type MerchantQr,
  type MerchantQrAlternateLanguage,
  merchantQrFromFields,
  merchantQrToJson,
  parseEmvTlv,
  QR_CURRENCIES,
  qrCurrencyByAlpha,
} from '@paychain/gateway';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';

/** Milliseconds since the epoch as typed by a user: digits only, up to year 9999 and then some. */
const MS_PATTERN = /^[0-9]{1,16}$/;

/** Which option of `qr make` feeds which EMV tag, so a refusal names what the user typed. */
const OPTION_BY_TAG: Readonly<Record<string, string>> = {
  '26.01': '--account',
  '26.02': '--request-id',
  '26.03': '--expires-ms',
  '52': '--mcc',
  '53': '--currency',
  '54': '--amount',
  '58': '--country',
  '59': '--name',
  '60': '--city',
  '64.00': '--alt-language',
  '64.01': '--alt-name',
  '64.02': '--alt-city',
};

interface FieldJson {
  readonly id: string;
  readonly name: string | null;
  readonly value: string;
  readonly fields?: readonly FieldJson[];
}

function fieldsToJson(fields: readonly EmvField[], parent: string): FieldJson[] {
  return fields.map((field) => {
    const path = parent === '' ? field.id : `${parent}.${field.id}`;
    const base = { id: field.id, name: emvTagName(path), value: field.value };
    return field.fields === undefined ? base : { ...base, fields: fieldsToJson(field.fields, path) };
  });
}

function parseMs(option: string, text: string): bigint {
  if (!MS_PATTERN.test(text))
    throw new CliError(`${option} must be milliseconds since the epoch (digits only), not ${JSON.stringify(text)}`, 2);
  return BigInt(text);
}

export function registerQr(program: Command): void {
  const qr = program.command('qr').description('EMVCo merchant-presented QR codes: check and build payloads');

  qr.command('parse <payload>')
    .description(
      'check a QR payload (structure, CRC, EMVCo rules) and print its fields as JSON, with the Paychain code decoded when it is one',
    )
    .option('--now-ms <ms>', 'clock for the expiry check, in ms since the epoch (default: now)')
    .action((payload: string, opts: { nowMs?: string }) => {
      const nowMs = opts.nowMs === undefined ? BigInt(Date.now()) : parseMs('--now-ms', opts.nowMs);
      const parsed = parseEmvTlv(payload);
      if (!parsed.ok) throw new CliError(`QR payload refused: ${parsed.message} (${parsed.code})`);
      const merchant = merchantQrFromFields(parsed.value);
      if (!merchant.ok && merchant.code !== 'not_paychain')
        throw new CliError(`QR payload refused: ${merchant.message} (${merchant.code})`);
      const paychain = merchant.ok
        ? { ...merchantQrToJson(merchant.value), nowMs: nowMs.toString(), expired: isQrExpired(merchant.value, nowMs) }
        : null;
      const out = {
        fields: fieldsToJson(parsed.value, ''),
        paychain,
        ...(merchant.ok ? {} : { notPaychain: merchant.message }),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });

  qr.command('make')
    .description(
      'print the payload of a Paychain merchant QR code: static, or dynamic with --amount, --request-id and --expires-ms',
    )
    .requiredOption('--account <hex>', "the merchant's Paychain account id (32 lowercase hex characters)")
    .requiredOption('--name <name>', 'merchant name, printable ASCII, at most 25 characters')
    .requiredOption('--city <city>', 'merchant city, printable ASCII, at most 15 characters')
    .requiredOption('--mcc <nnnn>', 'merchant category code (ISO 18245), four digits')
    .option('--currency <code>', `ISO 4217 code: ${QR_CURRENCIES.map((c) => c.alpha).join(', ')}`, 'CNY')
    .option('--country <cc>', 'ISO 3166-1 alpha-2 country code', 'CN')
    .option('--amount <decimal>', 'amount of a dynamic code, e.g. 12.34')
    .option('--request-id <hex>', 'one-time payment request id of a dynamic code (32 lowercase hex characters)')
    .option('--expires-ms <ms>', 'expiry of a dynamic code, in ms since the epoch')
    .option('--alt-name <name>', 'merchant name in another language, e.g. Chinese, at most 25 characters')
    .option('--alt-city <city>', 'merchant city in another language, at most 15 characters')
    .option('--alt-language <ll>', 'ISO 639-1 code of --alt-name and --alt-city', 'ZH')
    .action(
      (opts: {
        account: string;
        name: string;
        city: string;
        mcc: string;
        currency: string;
        country: string;
        amount?: string;
        requestId?: string;
        expiresMs?: string;
        altName?: string;
        altCity?: string;
        altLanguage: string;
      }) => {
        if (!isId128(opts.account))
          throw new CliError('--account must be a Paychain account id: 32 lowercase hex characters', 2);
        const currency = opts.currency;
        if (!isQrCurrencyAlpha(currency))
          throw new CliError(
            `--currency must be one of ${QR_CURRENCIES.map((c) => c.alpha).join(', ')}, not ${JSON.stringify(currency)}`,
            2,
          );
        const accountId: AccountId = opts.account;
        const common = {
          accountId,
          merchantName: opts.name,
          merchantCity: opts.city,
          mcc: opts.mcc,
          currency,
          country: opts.country,
          ...alternateLanguage(opts),
        };
        const dynamicOptions = [opts.amount, opts.requestId, opts.expiresMs];
        let code: MerchantQr;
        if (opts.amount !== undefined && opts.requestId !== undefined && opts.expiresMs !== undefined) {
          const entry = qrCurrencyByAlpha(currency);
          assert(entry !== undefined, 'isQrCurrencyAlpha checked the currency');
          const { decimals } = entry;
          const amount = parseAmount(opts.amount, decimals);
          if (!amount.ok)
            throw new CliError(`--amount ${JSON.stringify(opts.amount)} (${currency}): ${amount.error}`, 2);
          if (!isId128(opts.requestId))
            throw new CliError('--request-id must be 32 lowercase hex characters (a 128-bit id)', 2);
          code = {
            kind: 'dynamic',
            ...common,
            amount: amount.value,
            requestId: opts.requestId,
            expiresAtMs: parseMs('--expires-ms', opts.expiresMs),
          };
        } else if (dynamicOptions.every((o) => o === undefined)) {
          code = { kind: 'static', ...common };
        } else {
          throw new CliError(
            'a dynamic code needs --amount, --request-id and --expires-ms together (a static code none of them)',
            2,
          );
        }
        const payload = encodeMerchantQr(code);
        if (!payload.ok) {
          const option = payload.tag === undefined ? undefined : OPTION_BY_TAG[payload.tag];
          throw new CliError(`${option === undefined ? '' : `${option}: `}${payload.message}`, 2);
        }
        console.log(payload.value);
      },
    );
}

function alternateLanguage(opts: { altName?: string; altCity?: string; altLanguage: string }): {
  alternateLanguage?: MerchantQrAlternateLanguage;
} {
  if (opts.altName === undefined) {
    if (opts.altCity !== undefined) throw new CliError('--alt-city needs --alt-name', 2);
    return {};
  }
  const base = { language: opts.altLanguage, merchantName: opts.altName };
  return { alternateLanguage: opts.altCity === undefined ? base : { ...base, merchantCity: opts.altCity } };
}
