import type { ShownLang } from '../domain/numeric/shown.ts';

/** What a JSON document shaped in src/app needs besides the data: the labels' language and the currency named. */
export interface ShownContext {
  readonly lang: ShownLang;
  readonly currency: string;
}
