// Goal: `paychain qr make` prints the payload the gateway library builds, `paychain qr parse` prints
// every field as JSON (and the Paychain code, with its expiry against --now-ms), and every bad
// payload or option is refused with one line naming the reason, exit 1 for a refused payload and 2
// for bad options, never a stack trace. Method: the real binary run as a process (runCli), its
// output compared with `@paychain/gateway` called in-process; tables of refusals.
import { decodeMerchantQr, emvCrcOf, encodeMerchantQr, type MerchantQr } from '@paychain/gateway';
import { describe, expect, it } from 'vitest';
import { type CliResult, describeRun, runCli, stackTraceLines } from './helpers/cli.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const REQUEST = 'ffffffffffffffffffffffffffffffff';
const EXPIRES_MS = '1767225600000';
const MERCHANT = ['--account', ACCOUNT, '--name', 'LUCKY NOODLES', '--city', 'SHANGHAI', '--mcc', '5812'] as const;
const DYNAMIC = ['--amount', '23.72', '--request-id', REQUEST, '--expires-ms', EXPIRES_MS] as const;

// The EMVCo MPM specification's example payload (see packages/gateway/src/qr/emvco.test.ts for its source).
const EMVCO_SAMPLE =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN' +
  '5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***' +
  '0708A60086670902ME91320016A0112233449988770708123456786304A13A';

async function cli(args: readonly string[]): Promise<{ result: CliResult; why: string }> {
  const result = await runCli(args);
  return { result, why: describeRun(args, result) };
}

/** A refusal: exit `exitCode`, one "paychain: …" line matching `message`, nothing on stdout, no stack trace. */
function expectRefused(run: { result: CliResult; why: string }, message: RegExp, exitCode: number): void {
  expect(run.result.code, run.why).toBe(exitCode);
  expect(run.result.stdout, run.why).toBe('');
  expect(run.result.stderr, run.why).toMatch(message);
  expect(run.result.stderr, run.why).not.toMatch(/unexpected error/);
  expect(stackTraceLines(run.result.stderr), run.why).toEqual([]);
}

function payloadOf(qr: MerchantQr): string {
  const encoded = encodeMerchantQr(qr);
  if (!encoded.ok) throw new Error(encoded.message);
  return encoded.value;
}

const STATIC_QR: MerchantQr = {
  kind: 'static',
  accountId: ACCOUNT,
  merchantName: 'LUCKY NOODLES',
  merchantCity: 'SHANGHAI',
  mcc: '5812',
  currency: 'CNY',
  country: 'CN',
};

describe('paychain qr --help', () => {
  it.each([
    { command: ['qr'], expected: ['parse [options] <payload>', 'make [options]'] },
    { command: ['qr', 'parse'], expected: ['<payload>', '--now-ms <ms>'] },
    {
      command: ['qr', 'make'],
      expected: [
        '--account <hex>',
        '--name <name>',
        '--city <city>',
        '--mcc <nnnn>',
        '--currency <code>',
        '--country <cc>',
        '--amount <decimal>',
        '--request-id <hex>',
        '--expires-ms <ms>',
        '--alt-name <name>',
        '--alt-city <city>',
        '--alt-language <ll>',
      ],
    },
  ])('paychain $command.join(" ") --help lists its commands and options', async ({ command, expected }) => {
    const run = await cli([...command, '--help']);
    expect(run.result.code, run.why).toBe(0);
    expect(run.result.stdout, run.why).toContain(`Usage: paychain ${command.join(' ')}`);
    for (const text of expected) expect(run.result.stdout, run.why).toContain(text);
  });

  it('the top-level help names qr', async () => {
    const run = await cli(['--help']);
    expect(run.result.stdout, run.why).toMatch(/^ {2}qr\b/m);
  });
});

describe('paychain qr make', () => {
  it.each([
    { name: 'a static code', args: [...MERCHANT], qr: STATIC_QR },
    {
      name: 'a dynamic code',
      args: [...MERCHANT, ...DYNAMIC],
      qr: { ...STATIC_QR, kind: 'dynamic', amount: 2372n, requestId: REQUEST, expiresAtMs: BigInt(EXPIRES_MS) },
    },
    {
      name: 'a dynamic code in yen with a Chinese name',
      args: [
        ...MERCHANT,
        '--currency',
        'JPY',
        '--country',
        'JP',
        '--amount',
        '1200',
        '--request-id',
        REQUEST,
        '--expires-ms',
        EXPIRES_MS,
        '--alt-name',
        '幸运面馆',
        '--alt-city',
        '上海',
      ],
      qr: {
        ...STATIC_QR,
        kind: 'dynamic',
        currency: 'JPY',
        country: 'JP',
        amount: 1200n,
        requestId: REQUEST,
        expiresAtMs: BigInt(EXPIRES_MS),
        alternateLanguage: { language: 'ZH', merchantName: '幸运面馆', merchantCity: '上海' },
      },
    },
  ] satisfies ReadonlyArray<{ name: string; args: readonly string[]; qr: MerchantQr }>)(
    'prints $name, the payload the library builds',
    async ({ args, qr }) => {
      const run = await cli(['qr', 'make', ...args]);
      expect(run.result.code, run.why).toBe(0);
      expect(run.result.stderr, run.why).toBe('');
      expect(run.result.stdout, run.why).toBe(`${payloadOf(qr)}\n`);
      expect(decodeMerchantQr(run.result.stdout.trim())).toEqual({ ok: true, value: qr });
    },
  );

  it.each([
    { name: 'a short account id', args: ['--account', 'abc'], message: /--account must be a Paychain account id/ },
    { name: 'an unknown currency', args: ['--currency', 'XXX'], message: /--currency must be one of CNY, .*not "XXX"/ },
    { name: 'an amount alone', args: ['--amount', '1.00'], message: /needs --amount, --request-id and --expires-ms/ },
    {
      name: 'too many decimals',
      args: [...DYNAMIC.slice(2), '--amount', '1.234'],
      message: /--amount "1\.234" \(CNY\): amount has more than 2 decimal places/,
    },
    {
      name: 'a zero amount',
      args: [...DYNAMIC.slice(2), '--amount', '0'],
      message: /--amount: tag 54 \(transaction amount\) must be from 0\.01/,
    },
    {
      name: 'a bad request id',
      args: [...DYNAMIC.slice(0, 2), ...DYNAMIC.slice(4), '--request-id', 'x'],
      message: /--request-id must be 32/,
    },
    {
      name: 'an expiry that is not a number',
      args: [...DYNAMIC.slice(0, 4), '--expires-ms', 'tomorrow'],
      message: /--expires-ms must be milliseconds/,
    },
    {
      name: 'a name of 26 characters',
      args: ['--name', 'N'.repeat(26)],
      message: /--name: tag 59 \(merchant name\) must be 1 to 25 characters long, not 26/,
    },
    {
      name: 'a name in Chinese',
      args: ['--name', '幸运面馆'],
      message: /--name: tag 59 \(merchant name\) must be characters of the EMV common character set/,
    },
    {
      name: 'an MCC of letters',
      args: ['--mcc', 'food'],
      message: /--mcc: tag 52 \(merchant category code\) must be digits only/,
    },
    {
      name: 'a lowercase country',
      args: ['--country', 'cn'],
      message: /--country: tag 58 \(country code\) must be an ISO 3166-1 alpha-2 code/,
    },
    { name: 'an alternate city without name', args: ['--alt-city', '上海'], message: /--alt-city needs --alt-name/ },
  ])('refuses $name with exit code 2', async ({ args, message }) => {
    expectRefused(await cli(['qr', 'make', ...MERCHANT, ...args]), message, 2);
  });

  it('refuses a missing required option (commander, exit 1)', async () => {
    const run = await cli(['qr', 'make', '--account', ACCOUNT]);
    expect(run.result.code, run.why).toBe(1);
    expect(run.result.stderr, run.why).toMatch(/required option '--name <name>' not specified/);
    expect(stackTraceLines(run.result.stderr)).toEqual([]);
  });
});

describe('paychain qr parse', () => {
  const dynamicPayload = payloadOf({
    ...STATIC_QR,
    kind: 'dynamic',
    amount: 2372n,
    requestId: REQUEST,
    expiresAtMs: BigInt(EXPIRES_MS),
  });

  it.each([
    { nowMs: String(BigInt(EXPIRES_MS) - 1n), expired: false },
    { nowMs: EXPIRES_MS, expired: true },
  ])('prints the fields and the Paychain code; at $nowMs expired is $expired', async ({ nowMs, expired }) => {
    const run = await cli(['qr', 'parse', dynamicPayload, '--now-ms', nowMs]);
    expect(run.result.code, run.why).toBe(0);
    expect(run.result.stderr, run.why).toBe('');
    const out: unknown = JSON.parse(run.result.stdout);
    const ids = ['00', '01', '26', '52', '53', '54', '58', '59', '60', '63'];
    const paychainTemplate = [
      { id: '00', name: 'globally unique identifier', value: 'cn.paychain' },
      { id: '01', name: 'payment network specific', value: 'ASNFZ4mrze8BI0VniavN7w' },
      { id: '02', name: 'payment network specific', value: '_____________________w' },
      { id: '03', name: 'payment network specific', value: EXPIRES_MS },
    ];
    expect(out).toMatchObject({
      fields: ids.map((id) =>
        id === '26' ? { id, name: 'merchant account information', fields: paychainTemplate } : { id },
      ),
    });
    expect(out).toHaveProperty('paychain', {
      kind: 'dynamic',
      accountId: ACCOUNT,
      merchantName: 'LUCKY NOODLES',
      merchantCity: 'SHANGHAI',
      mcc: '5812',
      currency: 'CNY',
      currencyNumeric: '156',
      country: 'CN',
      amount: '23.72',
      amountMinor: '2372',
      requestId: REQUEST,
      expiresAtMs: EXPIRES_MS,
      nowMs,
      expired,
    });
  });

  it('prints another network’s code with paychain null and the reason', async () => {
    const run = await cli(['qr', 'parse', EMVCO_SAMPLE]);
    expect(run.result.code, run.why).toBe(0);
    const out: unknown = JSON.parse(run.result.stdout);
    expect(out).toMatchObject({
      paychain: null,
      notPaychain: expect.stringMatching(/no Paychain merchant account template/),
      fields: expect.arrayContaining([
        {
          id: '64',
          name: 'merchant information — language template',
          value: '0002ZH0104最佳运输0202北京',
          fields: [
            { id: '00', name: 'language preference', value: 'ZH' },
            { id: '01', name: 'merchant name — alternate language', value: '最佳运输' },
            { id: '02', name: 'merchant city — alternate language', value: '北京' },
          ],
        },
      ]),
    });
  });

  it.each([
    {
      name: 'a tampered code',
      payload: dynamicPayload.replace('LUCKY', 'LUCKX'),
      message: /CRC-16\/CCITT-FALSE is [0-9A-F]{4}: the code is damaged or was altered \(crc_mismatch\)/,
    },
    { name: 'a truncated code', payload: dynamicPayload.slice(0, 40), message: /it is truncated \(truncated\)/ },
    {
      name: 'a non-numeric id',
      payload: `X${dynamicPayload.slice(1)}`,
      message: /is not two digits \(tag_not_numeric\)/,
    },
    { name: 'no CRC', payload: dynamicPayload.slice(0, -8), message: /no CRC \(tag 63\) \(crc_missing\)/ },
    {
      name: 'garbage',
      payload: 'hello, world',
      message: /data object id "he" at character 0 is not two digits \(tag_not_numeric\)/,
    },
  ])('refuses $name with exit code 1', async ({ payload, message }) => {
    expectRefused(
      await cli(['qr', 'parse', payload]),
      new RegExp(`^paychain: QR payload refused: .*${message.source}\\n$`),
      1,
    );
  });

  it('refuses a Paychain code that breaks Paychain rules (dynamic without amount) with exit code 1', async () => {
    const withoutAmount = dynamicPayload.replace('540523.72', '');
    const body = withoutAmount.slice(0, -4);
    const run = await cli(['qr', 'parse', `${body}${emvCrcOf(body)}`]);
    expectRefused(run, /must carry tag 54 \(transaction amount\) \(missing_amount\)/, 1);
  });

  it('refuses a bad --now-ms with exit code 2', async () => {
    expectRefused(await cli(['qr', 'parse', dynamicPayload, '--now-ms', '-5']), /--now-ms must be milliseconds/, 2);
  });
});
