// The languages of the texts Posthaste itself writes into mail and pages (footer, unsubscribe page).

export const LANGUAGES = ["be", "de", "en", "es", "fr", "it", "pl", "pt", "ru", "ua", "kz"] as const;

export type Language = (typeof LANGUAGES)[number];

export const isLanguage = (value: unknown): value is Language => LANGUAGES.includes(value as Language);

export const languageOrDefault = (value: unknown): Language => (isLanguage(value) ? value : "en");
