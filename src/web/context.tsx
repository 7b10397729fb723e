import { createContext, useContext } from 'react';
import type { Me } from './api.ts';
import { formats, translate, type Formats, type Lang, type MessageKey } from './i18n.ts';

/** What every page reads: the language with its words and formats, and the caller. */
export interface Ui {
  readonly lang: Lang;
  readonly t: (key: MessageKey, vars?: Readonly<Record<string, string | number>>) => string;
  readonly f: Formats;
  readonly me: Me | null;
}

export function makeUi(lang: Lang, me: Me | null): Ui {
  return { lang, t: (key, vars) => translate(lang, key, vars), f: formats(lang), me };
}

export const UiContext = createContext<Ui>(makeUi('zh-CN', null));

export function useUi(): Ui {
  return useContext(UiContext);
}

export function can(ui: Ui, permission: string): boolean {
  return ui.me?.permissions.includes(permission) ?? false;
}
