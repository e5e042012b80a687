export * from './aml/index.ts';
export * from './csv/index.ts';
export * from './realtime/index.ts';
export * from './synth/index.ts';
export * from './transfer-record.ts';
