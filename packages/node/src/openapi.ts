/**
 * JSON schemas of the node's HTTP API. Fastify validates requests with them (Ajv, no type
 * coercion, unknown body fields refused) and serializes responses with them (fields not in
 * the schema are dropped); @fastify/swagger turns the same objects into the OpenAPI 3.1
 * document served at `/v1/openapi.json`. One source, so the document cannot drift from
 * what the server does.
 *
 * Conventions on the wire: ids are 32 lowercase hex characters; byte strings (hashes, keys,
 * signatures, encodings) are lowercase hex; integers that may exceed 2^53 (heights, times,
 * amounts) are decimal strings.
 */

import { TX_BYTES_MAX, TX_CODES, TX_DISBURSE_BYTES_MAX } from '@paychain/core';
import type { FastifySchema } from 'fastify';

export const OPENAPI_VERSION = '3.1.0';

const ID_PATTERN = '^[0-9a-f]{32}$';
/** `wait` query values 0..30000 (decimal, no sign, no leading zero). */
export const WAIT_PATTERN = '^(0|[1-9][0-9]{0,3}|[12][0-9]{4}|30000)$';
/** A decimal height up to 20 digits (u64), or `head`. */
export const HEIGHT_PATTERN = '^(head|0|[1-9][0-9]{0,19})$';

const idSchema = {
  type: 'string',
  pattern: ID_PATTERN,
  description: '128-bit id: 32 lowercase hex characters',
} as const;
const hexSchema = { type: 'string', pattern: '^([0-9a-f]{2})*$', description: 'bytes as lowercase hex' } as const;
const decimalSchema = {
  type: 'string',
  pattern: '^-?(0|[1-9][0-9]*)$',
  description: 'integer as a decimal string',
} as const;
/** An asset id (the ledger's own pattern): capitals, digits and hyphens, at most 16. */
const ASSET_ID_PATTERN = '^[A-Z0-9][A-Z0-9-]{0,15}$';
/** `limit` of the FX listings: 1..1000 (decimal, no sign, no leading zero). */
export const FX_LIMIT_PATTERN = '^([1-9][0-9]{0,2}|1000)$';

const quoteProperties = {
  id: idSchema,
  provider: { type: 'string' },
  baseAsset: { type: 'string' },
  quoteAsset: { type: 'string' },
  rateNum: { ...decimalSchema, description: 'quote-asset minor units per rateDen base-asset minor units' },
  rateDen: decimalSchema,
  minBase: { ...decimalSchema, description: 'smallest conversion, base-asset minor units' },
  maxBase: { ...decimalSchema, description: 'largest conversion, base-asset minor units' },
  capacity: { ...decimalSchema, description: 'base amount the quote takes in all, minor units' },
  used: { ...decimalSchema, description: 'base amount converted so far, minor units' },
  conversions: { ...decimalSchema, description: 'conversions applied so far' },
  baseAccount: idSchema,
  quoteAccount: idSchema,
  expiresAt: { ...decimalSchema, description: 'ms since the Unix epoch; unusable at or after it' },
  cancelled: { type: 'boolean', description: 'withdrawn by the provider (fx.cancel)' },
} as const;

const txCodeSchema = { type: 'string', enum: Object.keys(TX_CODES), description: 'transaction result code' } as const;

const resultSchema = {
  type: 'object',
  required: ['code', 'message', 'opIndex'],
  properties: {
    code: txCodeSchema,
    message: { type: 'string' },
    opIndex: { type: 'integer', minimum: 0, description: 'for a batch, the operation that failed; otherwise 0' },
  },
} as const;

const proofSchema = {
  type: 'object',
  required: ['leafIndex', 'leafCount', 'path'],
  properties: {
    leafIndex: { type: 'integer', minimum: 0 },
    leafCount: { type: 'integer', minimum: 0 },
    path: { type: 'array', items: hexSchema },
  },
} as const;

const receiptSchema = {
  type: 'object',
  description: 'offline-verifiable receipt: transaction, result, inclusion proofs, header and certificate',
  required: ['version', 'tx', 'result', 'txProof', 'resultProof', 'header', 'certificate'],
  properties: {
    version: { type: 'integer', const: 1 },
    tx: hexSchema,
    result: {
      type: 'object',
      required: ['id', 'code', 'opIndex', 'bytes'],
      properties: { id: idSchema, code: txCodeSchema, opIndex: { type: 'integer' }, bytes: hexSchema },
    },
    txProof: proofSchema,
    resultProof: proofSchema,
    header: hexSchema,
    certificate: hexSchema,
  },
} as const;

const decodedTxSchema = {
  type: ['object', 'null'],
  description: 'the decoded transaction, or null when the bytes do not decode',
  required: ['chainId', 'id', 'expiresAt', 'type', 'body', 'signatures'],
  properties: {
    chainId: { type: 'string' },
    id: idSchema,
    expiresAt: decimalSchema,
    type: { type: 'string' },
    body: {
      type: 'object',
      additionalProperties: true,
      description: 'the body fields: bigints as decimal strings, keys and bytes as hex',
    },
    signatures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['publicKey', 'signature'],
        properties: { publicKey: hexSchema, signature: hexSchema },
      },
    },
  },
} as const;

const certificateSchema = {
  type: ['object', 'null'],
  description: 'validator signatures over the header hash; null while the block is not final',
  required: ['signatures'],
  properties: {
    signatures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['org', 'signature'],
        properties: { org: { type: 'string' }, signature: hexSchema },
      },
    },
  },
} as const;

/** Builds the error response schema for the given error codes. */
function errorSchema(codes: readonly string[]) {
  return {
    description: 'an error: its code (the table of codes and statuses is API_ERROR_STATUS), a message and details',
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'details'],
        properties: {
          code: { type: 'string', enum: [...codes] },
          message: { type: 'string' },
          details: { type: 'object', additionalProperties: true },
        },
      },
    },
  } as const;
}

export interface HttpApiSchemaOptions {
  /** Every error code the API answers with (the keys of the code → status table). */
  readonly errorCodes: readonly string[];
  readonly submitWaitMsDefault: number;
  readonly submitWaitMsMax: number;
  readonly bodyBytesMax: number;
  /** Body limit of `POST /v1/transactions`, which carries the largest transactions (disbursements). */
  readonly submitBodyBytesMax: number;
}

export interface HttpApiSchemas {
  readonly submitTransaction: FastifySchema;
  /** `submitTransaction` as documented: it also lists the raw octet-stream body, which no schema validates. */
  readonly submitTransactionDocument: FastifySchema;
  readonly getTransaction: FastifySchema;
  readonly getBlock: FastifySchema;
  readonly getHead: FastifySchema;
  readonly getAccount: FastifySchema;
  readonly listAssets: FastifySchema;
  readonly getScheme: FastifySchema;
  readonly getWindow: FastifySchema;
  readonly getWindowReport: FastifySchema;
  readonly getQuote: FastifySchema;
  readonly listQuotes: FastifySchema;
  readonly listQuoteConversions: FastifySchema;
  readonly streamBlocks: FastifySchema;
  readonly health: FastifySchema;
  readonly metrics: FastifySchema;
  readonly openapi: FastifySchema;
}

/** The schema of every route; limits come from the app's options so the document states them. */
export function createHttpApiSchemas(options: HttpApiSchemaOptions): HttpApiSchemas {
  const error = errorSchema(options.errorCodes);
  const errors = { '4xx': error, '5xx': error };
  const jsonBody = {
    schema: {
      type: 'object',
      required: ['tx'],
      additionalProperties: false,
      properties: {
        tx: {
          type: 'string',
          minLength: 2,
          maxLength: 2 * TX_DISBURSE_BYTES_MAX,
          pattern: '^([0-9a-fA-F]{2})+$',
          description: 'the encoded signed transaction as hex',
        },
      },
    },
  } as const;
  const rawBody = {
    schema: {
      type: 'string',
      format: 'binary',
      description: `the encoded signed transaction, at most ${TX_BYTES_MAX} bytes (a program.disburse: ${TX_DISBURSE_BYTES_MAX})`,
    },
  } as const;
  const submitTransaction: FastifySchema = {
    operationId: 'submitTransaction',
    tags: ['transactions'],
    summary: 'Submit a signed transaction and wait for it to be final',
    description:
      `Body: \`{"tx": "<hex>"}\` as application/json, or the raw bytes as application/octet-stream ` +
      `(at most ${options.submitBodyBytesMax} bytes of body; ${TX_BYTES_MAX} bytes of transaction, ` +
      `${TX_DISBURSE_BYTES_MAX} for a program.disburse). ` +
      'Answers 200 when the transaction is final within `wait` ms — final includes failures such as ' +
      'insufficient_funds: read `result.code` — else 202 with the URL to poll; the submission goes on. ' +
      'Resending the same bytes is safe: a final transaction answers with its first outcome.',
    querystring: {
      type: 'object',
      properties: {
        wait: {
          type: 'string',
          pattern: WAIT_PATTERN,
          default: String(options.submitWaitMsDefault),
          description: `milliseconds to wait for finality, 0..${options.submitWaitMsMax}`,
        },
      },
    },
    body: { content: { 'application/json': jsonBody } },
    response: {
      200: {
        description: 'the transaction is final (its result code may be a failure)',
        type: 'object',
        required: ['id', 'status', 'height', 'index', 'result', 'receipt', 'links'],
        properties: {
          id: idSchema,
          status: { type: 'string', const: 'final' },
          height: decimalSchema,
          index: { type: 'integer', minimum: 0 },
          result: resultSchema,
          receipt: receiptSchema,
          links: {
            type: 'object',
            required: ['self', 'block'],
            properties: { self: { type: 'string' }, block: { type: 'string' } },
          },
        },
      },
      202: {
        description: 'accepted, not final within `wait`: poll statusUrl',
        type: 'object',
        required: ['id', 'status', 'statusUrl'],
        properties: { id: idSchema, status: { type: 'string', const: 'pending' }, statusUrl: { type: 'string' } },
      },
      ...errors,
    },
  };
  return {
    submitTransaction,
    submitTransactionDocument: {
      ...submitTransaction,
      body: { content: { 'application/json': jsonBody, 'application/octet-stream': rawBody } },
    },
    getTransaction: {
      operationId: 'getTransaction',
      tags: ['transactions'],
      summary: 'A transaction by id: pending, committed (stored, not yet certified) or final',
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      response: {
        200: {
          type: 'object',
          required: ['id', 'status'],
          properties: {
            id: idSchema,
            status: { type: 'string', enum: ['pending', 'committed', 'final'] },
            height: decimalSchema,
            index: { type: 'integer', minimum: 0 },
            result: resultSchema,
            receipt: receiptSchema,
            tx: {
              type: 'object',
              required: ['hex', 'decoded'],
              properties: { hex: hexSchema, decoded: decodedTxSchema },
            },
          },
        },
        ...errors,
      },
    },
    getBlock: {
      operationId: 'getBlock',
      tags: ['chain'],
      summary: 'A block by height (decimal, or `head`); height 0 is the genesis header',
      params: {
        type: 'object',
        required: ['height'],
        properties: { height: { type: 'string', pattern: HEIGHT_PATTERN } },
      },
      response: {
        200: {
          type: 'object',
          required: [
            'chainId',
            'height',
            'prevHash',
            'time',
            'txCount',
            'txRoot',
            'resultRoot',
            'stateCommitment',
            'hash',
            'certificate',
            'transactions',
            'expired',
            'programSweeps',
          ],
          properties: {
            chainId: { type: 'string' },
            height: decimalSchema,
            prevHash: hexSchema,
            time: { ...decimalSchema, description: 'block time, ms since the Unix epoch' },
            txCount: { type: 'integer', minimum: 0 },
            txRoot: hexSchema,
            resultRoot: hexSchema,
            stateCommitment: hexSchema,
            hash: hexSchema,
            certificate: certificateSchema,
            transactions: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'index', 'type', 'code'],
                properties: {
                  id: idSchema,
                  index: { type: 'integer', minimum: 0 },
                  type: { type: ['string', 'null'] },
                  code: txCodeSchema,
                },
              },
            },
            expired: {
              type: 'array',
              items: idSchema,
              description: 'pending transfers that timed out at the start of the block',
            },
            programSweeps: {
              type: 'array',
              description:
                'expired programs swept at the start of the block, after the pending timeouts, in (validUntilMs, id) ' +
                'order: what each returned to its funding account',
              items: {
                type: 'object',
                required: ['program', 'pool', 'balances', 'complete', 'stopped'],
                properties: {
                  program: idSchema,
                  pool: { ...decimalSchema, description: 'undisbursed pool returned (in the completing block)' },
                  balances: {
                    type: 'array',
                    description: "beneficiaries' unspent balances returned, in account id order",
                    items: {
                      type: 'object',
                      required: ['account', 'amount'],
                      properties: { account: idSchema, amount: decimalSchema },
                    },
                  },
                  complete: { type: 'boolean', description: 'false when the rest carries to the next block' },
                  stopped: {
                    type: ['string', 'null'],
                    enum: ['balance_overflow', null],
                    description: 'set when the funding account could not take the credit: nothing moved (alarm)',
                  },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
    getHead: {
      operationId: 'getChainHead',
      tags: ['chain'],
      summary: 'The head of the chain and the state of every peer',
      response: {
        200: {
          type: 'object',
          required: ['chainId', 'suite', 'height', 'hash', 'time', 'certifiedHeight', 'peers'],
          properties: {
            chainId: { type: 'string' },
            suite: { type: 'string' },
            height: decimalSchema,
            hash: hexSchema,
            time: decimalSchema,
            certifiedHeight: decimalSchema,
            peers: {
              type: 'array',
              items: {
                type: 'object',
                required: ['org', 'height', 'certifiedHeight', 'validator'],
                properties: {
                  org: { type: 'string' },
                  height: decimalSchema,
                  certifiedHeight: decimalSchema,
                  validator: { type: 'boolean' },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
    listAssets: {
      operationId: 'listAssets',
      tags: ['accounts'],
      summary: 'Every asset: id, name, issuer, decimals, minted and burned (minor units)',
      response: {
        200: {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'name', 'issuer', 'decimals', 'minted', 'burned'],
                properties: {
                  id: { type: 'string' },
                  name: { type: 'string' },
                  issuer: { type: 'string' },
                  decimals: { type: 'integer' },
                  minted: decimalSchema,
                  burned: decimalSchema,
                },
              },
            },
          },
        },
        ...errors,
      },
    },
    getScheme: {
      operationId: 'getScheme',
      tags: ['settlement'],
      summary:
        "A currency's settlement scheme: participants with pledged liquidity, what they owe, the open window's net, " +
        'exposure and headroom under the net debit cap; the latest windows, newest first (amounts in minor units)',
      params: {
        type: 'object',
        required: ['currency'],
        properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
      },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors },
    },
    getWindow: {
      operationId: 'getWindow',
      tags: ['settlement'],
      summary:
        'One settlement window: status, where it opened, closed and was settled (block height and transaction index of each), payments, gross and net positions',
      params: {
        type: 'object',
        required: ['currency', 'seq'],
        properties: {
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          seq: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' },
        },
      },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors },
    },
    getWindowReport: {
      operationId: 'getWindowReport',
      tags: ['settlement'],
      summary:
        "A window's settlement report as CSV: every interbank payment in it, each bank's net as the payments add up " +
        'and as the window recorded it, totals, and whether they reconcile (kind,height,index,tx_id,payer_bank,payee_bank,amount_minor)',
      params: {
        type: 'object',
        required: ['currency', 'seq'],
        properties: {
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          seq: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' },
        },
      },
      response: { 200: { type: 'string' }, ...errors },
    },
    getQuote: {
      operationId: 'getQuote',
      tags: ['settlement'],
      summary: 'An FX quote: pair, rate, limits, capacity and what conversions used of it, expiry',
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors },
    },
    listQuotes: {
      operationId: 'listQuotes',
      tags: ['settlement'],
      summary:
        "FX quotes with their status at the node's clock (live, expired, withdrawn): with base, quote and live=true " +
        "the pair's live quotes, best rate for the payer first; otherwise every quote, latest expiry first, kept when " +
        'of the assets given (and live, with live=true); at most `limit` (amounts in minor units)',
      querystring: {
        type: 'object',
        properties: {
          base: { type: 'string', pattern: ASSET_ID_PATTERN, description: 'base asset id' },
          quote: { type: 'string', pattern: ASSET_ID_PATTERN, description: 'quote asset id' },
          live: { type: 'string', enum: ['true', 'false'], description: 'only quotes usable now (default false)' },
          limit: { type: 'string', pattern: FX_LIMIT_PATTERN, description: 'at most this many, 1..1000 (default 100)' },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['time', 'items'],
          properties: {
            time: { ...decimalSchema, description: 'the time the statuses are at, ms since the Unix epoch' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: [...Object.keys(quoteProperties), 'status'],
                properties: {
                  ...quoteProperties,
                  status: { type: 'string', enum: ['live', 'expired', 'withdrawn'] },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
    listQuoteConversions: {
      operationId: 'listQuoteConversions',
      tags: ['settlement'],
      summary:
        'The conversions applied against an FX quote (fx.convert with result ok), in chain order, from the ' +
        'certified blocks that name the quote: the latest `limit` (default and at most 1000), `truncated` when there ' +
        'were more; quoteAmount = floor(baseAmount × rateNum / rateDen), amounts in minor units',
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      querystring: {
        type: 'object',
        properties: {
          limit: {
            type: 'string',
            pattern: FX_LIMIT_PATTERN,
            description: 'at most this many, 1..1000 (default 1000)',
          },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['quote', 'height', 'total', 'truncated', 'items'],
          properties: {
            quote: idSchema,
            height: { ...decimalSchema, description: 'the certified height read up to' },
            total: { ...decimalSchema, description: 'applied conversions of the quote up to that height' },
            truncated: { type: 'boolean', description: 'true when items holds only the latest of them' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['txId', 'height', 'index', 'time', 'source', 'target', 'baseAmount', 'quoteAmount', 'memo'],
                properties: {
                  txId: idSchema,
                  height: decimalSchema,
                  index: { type: 'integer', minimum: 0 },
                  time: { ...decimalSchema, description: 'block time, ms since the Unix epoch' },
                  source: { ...idSchema, description: "the payer's account (base asset debited)" },
                  target: { ...idSchema, description: 'the account credited with the quote asset' },
                  baseAmount: decimalSchema,
                  quoteAmount: decimalSchema,
                  memo: { type: 'string' },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
    getAccount: {
      operationId: 'getAccount',
      tags: ['accounts'],
      summary: 'An account and its balances (minor units as decimal strings, and formatted)',
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      response: {
        200: {
          type: 'object',
          required: [
            'id',
            'issuer',
            'tier',
            'frozen',
            'closed',
            'allowNegative',
            'owners',
            'threshold',
            'openedAt',
            'balances',
          ],
          properties: {
            id: idSchema,
            issuer: { type: 'string' },
            tier: { type: 'integer', enum: [1, 2, 3] },
            frozen: { type: 'boolean' },
            closed: { type: 'boolean' },
            allowNegative: { type: 'boolean' },
            owners: { type: 'array', items: hexSchema },
            threshold: { type: 'integer' },
            openedAt: decimalSchema,
            balances: {
              type: 'array',
              items: {
                type: 'object',
                required: [
                  'asset',
                  'posted',
                  'available',
                  'pendingDebits',
                  'pendingCredits',
                  'decimal',
                  'availableDecimal',
                ],
                properties: {
                  asset: { type: 'string' },
                  posted: decimalSchema,
                  available: decimalSchema,
                  pendingDebits: decimalSchema,
                  pendingCredits: decimalSchema,
                  decimal: { type: 'string', description: "posted balance formatted with the asset's decimals" },
                  availableDecimal: {
                    type: 'string',
                    description: "available balance formatted with the asset's decimals",
                  },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
    streamBlocks: {
      operationId: 'streamBlocks',
      tags: ['chain'],
      summary: 'Server-sent events: `event: block` per final block, a comment heartbeat every 15 s',
      description:
        'Each event carries JSON `{height, hash, time, txCount, signers}`. Connections are limited; ' +
        'above the limit the server answers 503 too_many_streams.',
      response: {
        200: { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        ...errors,
      },
    },
    health: {
      operationId: 'health',
      tags: ['node'],
      summary: 'Liveness and progress of the node',
      response: {
        200: {
          type: 'object',
          required: ['status', 'height', 'certifiedHeight', 'inFlight'],
          properties: {
            status: { type: 'string', const: 'ok' },
            height: decimalSchema,
            certifiedHeight: decimalSchema,
            inFlight: { type: 'integer', minimum: 0 },
          },
        },
        ...errors,
      },
    },
    metrics: {
      operationId: 'metrics',
      tags: ['node'],
      summary: 'Prometheus metrics (text exposition format)',
      response: {
        200: { description: 'metrics text', content: { 'text/plain': { schema: { type: 'string' } } } },
        ...errors,
      },
    },
    openapi: {
      operationId: 'openapi',
      tags: ['node'],
      summary: 'This OpenAPI document',
      response: {
        200: { type: 'object', additionalProperties: true },
        ...errors,
      },
    },
  };
}

/** Options for @fastify/swagger: the document's header; paths come from the route schemas. */
export function openApiDocument() {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Paychain node API',
      version: '1',
      description:
        'Submit signed transactions to the consortium ledger and read blocks, transactions, accounts and receipts. ' +
        'Every error has the shape {"error": {"code", "message", "details"}}.',
    },
    tags: [
      { name: 'transactions', description: 'submit and look up transactions' },
      { name: 'chain', description: 'blocks, head, block events' },
      { name: 'accounts', description: 'accounts and balances' },
      { name: 'node', description: 'health, metrics, this document' },
    ],
  };
}
