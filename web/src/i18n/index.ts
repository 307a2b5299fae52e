/**
 * Vietnamese and English. The shell's messages are here (`en` defines the keys, `vi` must have every
 * one: the type says so); a page keeps its own with `pageMessages({ en: {...}, vi: {...} })`. The
 * language is remembered in localStorage and set on `<html lang>`.
 */
import { en } from './en.ts';
import { vi } from './vi.ts';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];
export type MessageKey = keyof typeof en;
export type Params = Record<string, string | number>;
/** `t('error.404.title')`, `t('zones.count', { n: 3 })`: `{n}` placeholders are filled from params. */
export type Translate = (key: MessageKey, params?: Params) => string;

const CATALOGS: Record<Lang, Record<MessageKey, string>> = { en, vi };
const STORAGE_KEY = 'console.lang';

function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function translator(lang: Lang): Translate {
  const catalog = CATALOGS[lang];
  return (key, params) => fill(catalog[key] ?? en[key] ?? key, params);
}

/**
 * A page's own messages in both languages, keys checked alike:
 * `const m = pageMessages({ en: { title: 'Inbox' }, vi: { title: 'Hộp việc' } }); m(ctx.lang).title`.
 */
export function pageMessages<K extends string>(catalogs: {
  en: Record<K, string>;
  vi: Record<K, string>;
}): (lang: Lang, params?: Params) => Record<K, string> {
  return (lang, params) => {
    if (!params) return catalogs[lang];
    const out = {} as Record<K, string>;
    for (const k of Object.keys(catalogs[lang]) as K[]) out[k] = fill(catalogs[lang][k], params);
    return out;
  };
}

export function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === 'vi' || v === 'en') return v;
  } catch {
    // storage unavailable (privacy mode): the default
  }
  return 'vi';
}

export function storeLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched
  }
}

const LOCALES: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

/** Numbers, dates and money in the reader's language. */
export function formats(lang: Lang) {
  const locale = LOCALES[lang];
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const pf = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    locale,
    number: (n: number) => nf.format(n),
    percent: (share: number) => pf.format(share),
    date: (iso: string) => df.format(new Date(iso)),
    dateTime: (iso: string) => dtf.format(new Date(iso)),
  };
}
export type Formats = ReturnType<typeof formats>;
