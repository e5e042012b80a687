export {
  DATASET_FILES,
  type GenerateCommandOptions,
  type GenerateDatasetOptions,
  type GenerateSummary,
  generateDataset,
  runGenerateCommand,
} from './generate-dataset.ts';
export { MERCHANT_CATEGORIES, type MerchantCategory } from './mcc.ts';
export { DORMANT_DAYS_MIN } from './plan.ts';
export { distanceKm, REGIONS, type Region } from './regions.ts';
export { Rng } from './rng.ts';
export {
  createSyntheticDataset,
  DAYS_MAX,
  DAYS_MIN,
  FRAUD_RATE_DEFAULT,
  generateTransfers,
  ILLICIT_RATE_DEFAULT,
  MERCHANTS_MAX,
  MERCHANTS_MIN,
  type PatternCount,
  type ResolvedSynthOptions,
  SYNTH_START_DEFAULT_MS,
  type SyntheticCounts,
  type SyntheticData,
  SyntheticDataset,
  type SyntheticDay,
  type SynthOptions,
  SynthOptionsError,
  USERS_MAX,
  USERS_MIN,
} from './synthetic-dataset.ts';
