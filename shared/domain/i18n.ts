// Texts that Posthaste itself puts into mail and pages, in the languages of the SMTP option global_language (docs/smtp.md).
// Page texts hold `{address}` and `{sender}` placeholders; whoever fills them escapes the values.
import { isLanguage, languageOrDefault, type Language } from "./language.ts";

interface Texts {
  unsubscribe: string;
  webVersion: string;
  footer: string;
  /** The unsubscribe page. */
  page: {
    title: string;
    confirm: string;
    confirmButton: string;
    unsubscribed: string;
    resubscribeButton: string;
    resubscribed: string;
    invalidLink: string;
  };
}

const TEXTS: Record<Language, Texts> = {
  en: {
    unsubscribe: "Unsubscribe",
    webVersion: "View in browser",
    footer: "Don't want these emails?",
    page: {
      title: "Unsubscribe",
      confirm: "Do you want to stop receiving emails from {sender} at {address}?",
      confirmButton: "Unsubscribe",
      unsubscribed: "You have been unsubscribed. {address} will no longer receive emails from {sender}.",
      resubscribeButton: "Subscribe again",
      resubscribed: "You are subscribed again. {address} will receive emails from {sender}.",
      invalidLink: "This link is not valid or has expired.",
    },
  },
  ru: {
    unsubscribe: "Отписаться",
    webVersion: "Открыть в браузере",
    footer: "Не хотите получать эти письма?",
    page: {
      title: "Отписка",
      confirm: "Больше не получать письма от {sender} на адрес {address}?",
      confirmButton: "Отписаться",
      unsubscribed: "Вы отписались. На адрес {address} больше не будут приходить письма от {sender}.",
      resubscribeButton: "Подписаться снова",
      resubscribed: "Вы снова подписаны. На адрес {address} будут приходить письма от {sender}.",
      invalidLink: "Ссылка недействительна или устарела.",
    },
  },
  be: {
    unsubscribe: "Адпісацца",
    webVersion: "Адкрыць у браўзеры",
    footer: "Не хочаце атрымліваць гэтыя лісты?",
    page: {
      title: "Адпіска",
      confirm: "Больш не атрымліваць лісты ад {sender} на адрас {address}?",
      confirmButton: "Адпісацца",
      unsubscribed: "Вы адпісаліся. На адрас {address} больш не будуць прыходзіць лісты ад {sender}.",
      resubscribeButton: "Падпісацца зноў",
      resubscribed: "Вы зноў падпісаны. На адрас {address} будуць прыходзіць лісты ад {sender}.",
      invalidLink: "Спасылка несапраўдная або састарэла.",
    },
  },
  ua: {
    unsubscribe: "Відписатися",
    webVersion: "Відкрити в браузері",
    footer: "Не хочете отримувати ці листи?",
    page: {
      title: "Відписка",
      confirm: "Більше не отримувати листи від {sender} на адресу {address}?",
      confirmButton: "Відписатися",
      unsubscribed: "Ви відписалися. На адресу {address} більше не надходитимуть листи від {sender}.",
      resubscribeButton: "Підписатися знову",
      resubscribed: "Ви знову підписані. На адресу {address} надходитимуть листи від {sender}.",
      invalidLink: "Посилання недійсне або застаріле.",
    },
  },
  kz: {
    unsubscribe: "Жазылымнан бас тарту",
    webVersion: "Браузерде ашу",
    footer: "Бұл хаттарды алғыңыз келмей ме?",
    page: {
      title: "Жазылымнан бас тарту",
      confirm: "{address} мекенжайына {sender} жіберетін хаттарды енді алмайсыз ба?",
      confirmButton: "Жазылымнан бас тарту",
      unsubscribed: "Сіз жазылымнан бас тарттыңыз. {address} мекенжайына {sender} хаттары енді келмейді.",
      resubscribeButton: "Қайта жазылу",
      resubscribed: "Сіз қайта жазылдыңыз. {address} мекенжайына {sender} хаттары келеді.",
      invalidLink: "Сілтеме жарамсыз немесе мерзімі өткен.",
    },
  },
  de: {
    unsubscribe: "Abmelden",
    webVersion: "Im Browser ansehen",
    footer: "Sie möchten diese E-Mails nicht mehr erhalten?",
    page: {
      title: "Abmelden",
      confirm: "Keine E-Mails von {sender} mehr an {address} erhalten?",
      confirmButton: "Abmelden",
      unsubscribed: "Sie wurden abgemeldet. {address} erhält keine E-Mails von {sender} mehr.",
      resubscribeButton: "Wieder anmelden",
      resubscribed: "Sie sind wieder angemeldet. {address} erhält wieder E-Mails von {sender}.",
      invalidLink: "Dieser Link ist ungültig oder abgelaufen.",
    },
  },
  es: {
    unsubscribe: "Darse de baja",
    webVersion: "Ver en el navegador",
    footer: "¿No quiere recibir estos correos?",
    page: {
      title: "Darse de baja",
      confirm: "¿Dejar de recibir correos de {sender} en {address}?",
      confirmButton: "Darse de baja",
      unsubscribed: "Se ha dado de baja. {address} ya no recibirá correos de {sender}.",
      resubscribeButton: "Volver a suscribirse",
      resubscribed: "Se ha vuelto a suscribir. {address} recibirá correos de {sender}.",
      invalidLink: "Este enlace no es válido o ha caducado.",
    },
  },
  fr: {
    unsubscribe: "Se désabonner",
    webVersion: "Voir dans le navigateur",
    footer: "Vous ne souhaitez plus recevoir ces e-mails ?",
    page: {
      title: "Se désabonner",
      confirm: "Ne plus recevoir les e-mails de {sender} à l'adresse {address} ?",
      confirmButton: "Se désabonner",
      unsubscribed: "Vous êtes désabonné. {address} ne recevra plus les e-mails de {sender}.",
      resubscribeButton: "Se réabonner",
      resubscribed: "Vous êtes de nouveau abonné. {address} recevra les e-mails de {sender}.",
      invalidLink: "Ce lien n'est pas valide ou a expiré.",
    },
  },
  it: {
    unsubscribe: "Annulla iscrizione",
    webVersion: "Visualizza nel browser",
    footer: "Non vuoi più ricevere queste email?",
    page: {
      title: "Annulla iscrizione",
      confirm: "Non ricevere più email da {sender} all'indirizzo {address}?",
      confirmButton: "Annulla iscrizione",
      unsubscribed: "Iscrizione annullata. {address} non riceverà più email da {sender}.",
      resubscribeButton: "Iscriviti di nuovo",
      resubscribed: "Sei di nuovo iscritto. {address} riceverà le email da {sender}.",
      invalidLink: "Questo link non è valido o è scaduto.",
    },
  },
  pl: {
    unsubscribe: "Wypisz się",
    webVersion: "Zobacz w przeglądarce",
    footer: "Nie chcesz otrzymywać tych wiadomości?",
    page: {
      title: "Wypisz się",
      confirm: "Nie otrzymywać więcej wiadomości od {sender} na adres {address}?",
      confirmButton: "Wypisz się",
      unsubscribed: "Wypisano. Na adres {address} nie będą już przychodzić wiadomości od {sender}.",
      resubscribeButton: "Zapisz się ponownie",
      resubscribed: "Zapisano ponownie. Na adres {address} będą przychodzić wiadomości od {sender}.",
      invalidLink: "Ten link jest nieprawidłowy lub wygasł.",
    },
  },
  pt: {
    unsubscribe: "Cancelar inscrição",
    webVersion: "Ver no navegador",
    footer: "Não quer receber estes e-mails?",
    page: {
      title: "Cancelar inscrição",
      confirm: "Deixar de receber e-mails de {sender} em {address}?",
      confirmButton: "Cancelar inscrição",
      unsubscribed: "Sua inscrição foi cancelada. {address} não receberá mais e-mails de {sender}.",
      resubscribeButton: "Inscrever-se novamente",
      resubscribed: "Você está inscrito novamente. {address} receberá e-mails de {sender}.",
      invalidLink: "Este link é inválido ou expirou.",
    },
  },
};

/** BCP 47 tags for `<html lang>`: the option names Ukrainian and Kazakh by country code. */
const HTML_LANG: Partial<Record<Language, string>> = { ua: "uk", kz: "kk" };

export const texts = (language: string): Texts => TEXTS[languageOrDefault(language)];
export const htmlLang = (language: string): string => {
  const known = languageOrDefault(language);
  return HTML_LANG[known] ?? known;
};

/** The first supported language of an Accept-Language header (for pages whose link names none). */
export function languageFromHeader(acceptLanguage: string | undefined): Language {
  const wanted = (acceptLanguage ?? "")
    .split(",")
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { primary: tag.split("-")[0], q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.primary && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  const aliases: Record<string, Language> = { uk: "ua", kk: "kz" };
  for (const { primary } of wanted) {
    const language = aliases[primary] ?? primary;
    if (isLanguage(language)) return language;
  }
  return "en";
}
