/**
 * i18next set up for the app: zh-CN and en resources bundled (no network fetch, so the app shell works offline),
 * the initial language from `initialLanguage`, and `setLanguage`, which switches, persists the choice in
 * localStorage and sets <html lang>. The resource type makes every `t('…')` key checked at compile time.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { initialLanguage, LANGUAGE_STORAGE_KEY, LANGUAGES, type Language } from './language';
import { zhCN } from './zh-CN';

export { LANGUAGES, type Language };

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

function readStoredLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    // Storage may be disabled (private mode, policy): the browser's language decides.
    return null;
  }
}

export function initI18n(): typeof i18next {
  const lng = initialLanguage(readStoredLanguage(), navigator.language);
  document.documentElement.lang = lng;
  void i18next.use(initReactI18next).init({
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    lng,
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return i18next;
}

export function setLanguage(lng: Language): void {
  void i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, lng);
  } catch {
    // Not persisted when storage is disabled; the switch still applies to this page.
    return;
  }
}
