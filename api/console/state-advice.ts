// What an administrator does about each actor state: the README's state table
// ("Actors: states and what an administrator does") and the console's overview
// both show these words, and a test holds the README to them.
import type { ActorStateName } from "../../db/enums.js";
import type { Language } from "./messages.js";

export const stateAdvice: Record<Language, Record<ActorStateName, string>> = {
  en: {
    authorizing: "nothing; it moves on by itself",
    initialImport: "nothing; large calendars take a while at the account's pace",
    incremental: "nothing",
    backoff: "nothing, unless it lasts: `lastError` says what fails and how long it waits",
    error: "fix the cause; a configuration change restarts the actor by itself, or `POST /api/actors/{id}/restart`",
    paused: "`POST /api/actors/{id}/resume`; everything made meanwhile is synced",
  },
  pl: {
    authorizing: "nic; przejdzie dalej samo",
    initialImport: "nic; duże kalendarze trwają chwilę w tempie konta",
    incremental: "nic",
    backoff: "nic, chyba że trwa długo: ostatni błąd mówi, co zawodzi i jak długo czeka",
    error: "usuń przyczynę; zmiana konfiguracji sama uruchamia aktora ponownie, albo naciśnij „Uruchom ponownie”",
    paused: "naciśnij „Wznów”; wszystko, co zmieniono w międzyczasie, zostanie zsynchronizowane",
  },
};

/** The console's wording: the README's, with the API calls named as the buttons that make them. */
export function adviceFor(language: Language, state: ActorStateName): string {
  const text = stateAdvice[language][state];
  if (language !== "en") return text;
  return text
    .replace("`POST /api/actors/{id}/restart`", "press Restart")
    .replace("`POST /api/actors/{id}/resume`", "press Resume")
    .replace("`lastError`", "the last error");
}
