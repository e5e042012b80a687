import { assert } from '@paychain/core';
import { type LogisticModel, validateModel } from './logistic-model.ts';
import modelJson from './model.json' with { type: 'json' };
import { formatValidationIssue } from './validation-issue.ts';

let loaded: LogisticModel | null = null;

/**
 * The model shipped with the package (`model.json`, written by `write-default-model.ts`; its
 * `trainedOn` says from what). Validated once: a broken file in the package is a bug, not input.
 */
export function defaultModel(): LogisticModel {
  if (loaded === null) {
    const result = validateModel(modelJson);
    assert(result.ok, `model.json is valid: ${result.ok ? '' : result.issues.map(formatValidationIssue).join('; ')}`);
    loaded = result.value;
  }
  return loaded;
}
