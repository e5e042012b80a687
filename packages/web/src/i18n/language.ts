/**
 * Which language the app starts in: the one the user chose before (localStorage), else Chinese when the browser
 * prefers any Chinese, else English. Pure, so it is tested without a browser.
 */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_STORAGE_KEY = 'paychain.lang';

export function isLanguage(x: unknown): x is Language {
  return x === 'zh-CN' || x === 'en';
}

export function initialLanguage(stored: string | null, navigatorLanguage: string | undefined): Language {
  if (isLanguage(stored)) return stored;
  return (navigatorLanguage ?? '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}
