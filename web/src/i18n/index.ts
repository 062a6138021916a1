// Russian and English through i18next. The language is the user's choice (kept in
// localStorage), else the browser's, else Russian; <html lang> follows it.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { ru } from "./ru";

export const languages = ["ru", "en"] as const;
export type Language = (typeof languages)[number];
const storageKey = "muster.lang";

function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(storageKey);
    if (stored === "ru" || stored === "en") return stored;
  } catch {
    // Storage may be off (private mode): fall through to the browser's language.
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const language of preferred) {
    if (language?.toLowerCase().startsWith("ru")) return "ru";
    if (language?.toLowerCase().startsWith("en")) return "en";
  }
  return "ru";
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, ru: { translation: ru } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

function applyLanguage(language: string) {
  document.documentElement.lang = language;
  document.title = i18next.t("service.name");
}
applyLanguage(i18next.language);
i18next.on("languageChanged", (language) => {
  applyLanguage(language);
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // Not kept across visits, which is fine.
  }
});

export default i18next;
