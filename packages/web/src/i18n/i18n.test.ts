// Goal: every visible string exists in both languages, and the app starts in the right one. Method: the two
// resource objects flattened to key paths and compared exactly; no value empty, interpolation variables equal per
// key; a table for the initial-language rule.
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { initialLanguage } from './language';
import { zhCN } from './zh-CN';

function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === 'string') {
    out.set(prefix, value);
    return out;
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${prefix}: not a string or object`);
  for (const [key, child] of Object.entries(value)) {
    for (const [path, text] of flatten(child, prefix === '' ? key : `${prefix}.${key}`)) out.set(path, text);
  }
  return out;
}

const variables = (text: string): string[] => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? '').sort();

describe('i18n resources', () => {
  const english = flatten(en);
  const chinese = flatten(zhCN);

  it('zh-CN and en have exactly the same keys', () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it('has no empty string', () => {
    for (const [key, text] of [...english, ...chinese]) expect(text.trim(), key).not.toBe('');
  });

  it('uses the same interpolation variables in both languages', () => {
    for (const [key, text] of english) expect(variables(chinese.get(key) ?? ''), key).toEqual(variables(text));
  });
});

describe('initialLanguage', () => {
  it.each([
    [null, 'zh-CN', 'zh-CN'],
    [null, 'zh-TW', 'zh-CN'],
    [null, 'ZH', 'zh-CN'],
    [null, 'en-US', 'en'],
    [null, 'fr-FR', 'en'],
    [null, undefined, 'en'],
    ['en', 'zh-CN', 'en'],
    ['zh-CN', 'en-GB', 'zh-CN'],
    ['klingon', 'zh-CN', 'zh-CN'],
  ] as const)('stored %s, browser %s → %s', (stored, browser, expected) => {
    expect(initialLanguage(stored, browser)).toBe(expected);
  });
});
