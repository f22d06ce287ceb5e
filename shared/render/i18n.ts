// Texts that Posthaste itself puts into mail and pages, in the languages of SPEC §4 (global_language).

export const LANGUAGES = ["be", "de", "en", "es", "fr", "it", "pl", "pt", "ru", "ua", "kz"] as const;
export type Language = (typeof LANGUAGES)[number];

interface Texts {
  unsubscribe: string;
  webVersion: string;
  footer: string;
}

const TEXTS: Record<Language, Texts> = {
  en: { unsubscribe: "Unsubscribe", webVersion: "View in browser", footer: "Don't want these emails?" },
  ru: { unsubscribe: "Отписаться", webVersion: "Открыть в браузере", footer: "Не хотите получать эти письма?" },
  be: { unsubscribe: "Адпісацца", webVersion: "Адкрыць у браўзеры", footer: "Не хочаце атрымліваць гэтыя лісты?" },
  ua: { unsubscribe: "Відписатися", webVersion: "Відкрити в браузері", footer: "Не хочете отримувати ці листи?" },
  kz: { unsubscribe: "Жазылымнан бас тарту", webVersion: "Браузерде ашу", footer: "Бұл хаттарды алғыңыз келмей ме?" },
  de: { unsubscribe: "Abmelden", webVersion: "Im Browser ansehen", footer: "Sie möchten diese E-Mails nicht mehr erhalten?" },
  es: { unsubscribe: "Darse de baja", webVersion: "Ver en el navegador", footer: "¿No quiere recibir estos correos?" },
  fr: { unsubscribe: "Se désabonner", webVersion: "Voir dans le navigateur", footer: "Vous ne souhaitez plus recevoir ces e-mails ?" },
  it: { unsubscribe: "Annulla iscrizione", webVersion: "Visualizza nel browser", footer: "Non vuoi più ricevere queste email?" },
  pl: { unsubscribe: "Wypisz się", webVersion: "Zobacz w przeglądarce", footer: "Nie chcesz otrzymywać tych wiadomości?" },
  pt: { unsubscribe: "Cancelar inscrição", webVersion: "Ver no navegador", footer: "Não quer receber estes e-mails?" },
};

export const isLanguage = (value: unknown): value is Language => LANGUAGES.includes(value as Language);
export const texts = (language: string): Texts => TEXTS[isLanguage(language) ? language : "en"];
