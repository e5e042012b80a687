export * from './transfer-record.ts';
