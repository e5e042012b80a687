// Goal: every MCC the dashboards name has a description in both languages, and an unlisted code is shown as is.
// Method: the list checked against the two resource files; a table for the label.
import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import { isKnownMcc, KNOWN_MCCS, mccLabel } from './mcc';

describe('MCC labels', () => {
  it('describes every known code in en and zh-CN, and nothing else', () => {
    const keys = KNOWN_MCCS.map((mcc) => `c${mcc}`).sort();
    expect(Object.keys(en.mcc).sort()).toEqual(keys);
    expect(Object.keys(zhCN.mcc).sort()).toEqual(keys);
  });

  it.each([
    ['5812', '5812 Restaurants'],
    ['7995', '7995 Betting and casinos'],
    ['1234', '1234'],
    ['unknown', 'unknown'],
    ['toString', 'toString'],
  ])('%s → %s', (mcc, label) => {
    expect(mccLabel(mcc, (known) => en.mcc[`c${known}`])).toBe(label);
  });

  it('tells known codes', () => {
    expect(isKnownMcc('5411')).toBe(true);
    expect(isKnownMcc('541')).toBe(false);
  });
});
