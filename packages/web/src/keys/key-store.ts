/**
 * Where the wallet keeps its signing keys: IndexedDB in the browser, because IndexedDB stores a non-extractable
 * WebCrypto `CryptoKey` by structured clone — the page can use the key to sign but no script can read its bytes,
 * not even ours. One record per wallet (labelled by the user's phone number), so two users of one browser keep
 * separate keys. `createMemoryKeyStore` is the same interface in memory, for Node tests where IndexedDB is absent.
 */

/** A key the browser keeps as an opaque, non-extractable CryptoKey (WebCrypto Ed25519). */
export interface WebCryptoKeyRecord {
  readonly kind: 'webcrypto';
  readonly label: string;
  readonly suite: 'intl';
  readonly privateKey: CryptoKey;
  readonly publicKeyHex: string;
  readonly createdAtMs: number;
}

/**
 * A key held as bytes by JS code (@noble/curves Ed25519 or sm-crypto-v2 SM2): used when the browser has no
 * WebCrypto Ed25519, and always for an SM2 (`gm`) chain, which WebCrypto does not support. The UI says so.
 */
export interface SoftwareKeyRecord {
  readonly kind: 'software';
  readonly label: string;
  readonly suite: 'intl' | 'gm';
  readonly privateKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly createdAtMs: number;
}

export type KeyRecord = WebCryptoKeyRecord | SoftwareKeyRecord;

export interface KeyStore {
  get(label: string): Promise<KeyRecord | null>;
  put(record: KeyRecord): Promise<void>;
  delete(label: string): Promise<void>;
}

const DB_NAME = 'paychain-wallet';
const DB_VERSION = 1;
const STORE_NAME = 'keys';

/** The typed error of a failed IndexedDB operation; its cause is the browser's DOMException. */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
  readonly code: 'indexeddb_unavailable' | 'indexeddb_failed';
  constructor(code: KeyStoreError['code'], message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

function requestToPromise<T>(request: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new KeyStoreError('indexeddb_failed', `${what} failed`, request.error));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new KeyStoreError('indexeddb_unavailable', 'this browser has no IndexedDB'));
  }
  const request = indexedDB.open(DB_NAME, DB_VERSION);
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(STORE_NAME)) {
      request.result.createObjectStore(STORE_NAME, { keyPath: 'label' });
    }
  };
  return requestToPromise(request, 'opening the key database');
}

function isKeyRecord(x: unknown): x is KeyRecord {
  if (typeof x !== 'object' || x === null) return false;
  // Read field by field below; the cast only lets us name the fields of an object of unknown shape.
  const record = x as Partial<Record<keyof KeyRecord, unknown>>;
  return (
    (record.kind === 'webcrypto' || record.kind === 'software') &&
    typeof record.label === 'string' &&
    typeof record.publicKeyHex === 'string' &&
    (record.suite === 'intl' || record.suite === 'gm')
  );
}

export function createIndexedDbKeyStore(): KeyStore {
  let database: Promise<IDBDatabase> | null = null;
  const db = (): Promise<IDBDatabase> => {
    database ??= openDatabase();
    return database;
  };
  const store = async (mode: IDBTransactionMode): Promise<IDBObjectStore> =>
    (await db()).transaction(STORE_NAME, mode).objectStore(STORE_NAME);
  return {
    async get(label) {
      const value: unknown = await requestToPromise((await store('readonly')).get(label), 'reading a key');
      return isKeyRecord(value) ? value : null;
    },
    async put(record) {
      await requestToPromise((await store('readwrite')).put(record), 'storing a key');
    },
    async delete(label) {
      await requestToPromise((await store('readwrite')).delete(label), 'deleting a key');
    },
  };
}

/** The KeyStore interface over a Map, with structured clones in and out as IndexedDB does. */
export function createMemoryKeyStore(): KeyStore {
  const records = new Map<string, KeyRecord>();
  return {
    async get(label) {
      const record = records.get(label);
      return record === undefined ? null : structuredClone(record);
    },
    async put(record) {
      records.set(record.label, structuredClone(record));
    },
    async delete(label) {
      records.delete(label);
    },
  };
}
