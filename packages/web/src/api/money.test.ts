// Goal: typed amounts become the API's decimal strings exactly, and amounts print as the locale expects without a
// float anywhere (values above 2^53 included). Method: tables of valid and invalid inputs (invalid ones by error
// code), and formatting tables for zh-CN and en.
import { describe, expect, it } from 'vitest';
import { formatDecimal, formatMinor, formatMoney, parseMoneyInput } from './money';

describe('parseMoneyInput', () => {
  it.each([
    ['1,234.5', '1234.50', 123450n],
    ['1234.56', '1234.56', 123456n],
    ['12', '12.00', 1200n],
    ['12.', '12.00', 1200n],
    ['.5', '0.50', 50n],
    ['0.01', '0.01', 1n],
    [' ¥ 1 234.50 ', '1234.50', 123450n],
    ['￥８８．８', '88.80', 8880n],
    ['1,234,567.89', '1234567.89', 123456789n],
    ['007.10', '7.10', 710n],
    ['92233720368547758.07', '92233720368547758.07', 9223372036854775807n],
  ])('%j → %s', (input, value, minor) => {
    expect(parseMoneyInput(input)).toEqual({ ok: true, value, minor });
  });

  it.each([
    ['', 'amount_empty'],
    ['   ', 'amount_empty'],
    ['abc', 'amount_format'],
    ['-5', 'amount_format'],
    ['+5', 'amount_format'],
    ['1e3', 'amount_format'],
    ['1,23.4', 'amount_format'],
    ['12,34', 'amount_format'],
    ['1.2.3', 'amount_format'],
    ['.', 'amount_format'],
    ['1.234', 'amount_precision'],
    ['0', 'amount_zero'],
    ['0.00', 'amount_zero'],
    ['92233720368547758.08', 'amount_too_large'],
    ['9'.repeat(30), 'amount_too_large'],
    ['1'.repeat(41), 'amount_format'],
  ])('%j is refused: %s', (input, error) => {
    expect(parseMoneyInput(input)).toEqual({ ok: false, error });
  });

  it('honours the asset decimals', () => {
    expect(parseMoneyInput('5', 0)).toEqual({ ok: true, value: '5', minor: 5n });
    expect(parseMoneyInput('5.1', 0)).toEqual({ ok: false, error: 'amount_precision' });
  });
});

describe('formatting', () => {
  it.each([
    ['zh-CN', '1234.56', '¥1,234.56'],
    ['en', '1234.56', '¥1,234.56'],
    ['en', '0.5', '¥0.50'],
    ['zh-CN', '1234567', '¥1,234,567.00'],
    ['en', '-12.30', '-¥12.30'],
    ['en', '92233720368547758.07', '¥92,233,720,368,547,758.07'],
  ])('%s: %s → %s', (locale, amount, shown) => {
    expect(formatDecimal(amount, 'CNY', locale)).toBe(shown);
  });

  it('formats Money and minor units', () => {
    expect(formatMoney({ amount: '88.80', currency: 'CNY' }, 'zh-CN')).toBe('¥88.80');
    expect(formatMinor(123456n, 2, 'CNY', 'en')).toBe('¥1,234.56');
    expect(formatMinor(9007199254740993n, 2, 'CNY', 'en')).toBe('¥90,071,992,547,409.93');
  });

  it('tells another dollar from the yuan: Hong Kong dollars are HK$, never a bare $', () => {
    expect(formatMoney({ amount: '48.85', currency: 'HKD' }, 'en')).toBe('HK$48.85');
    expect(formatMoney({ amount: '2000.00', currency: 'HKD' }, 'zh-CN')).toBe('HK$2,000.00');
  });

  it('shows a malformed amount as given rather than guessing', () => {
    expect(formatDecimal('12,5', 'CNY', 'en')).toBe('12,5 CNY');
  });
});
