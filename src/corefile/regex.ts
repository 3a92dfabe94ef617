// The check of a Go RE2 pattern at Corefile time, with the plugins' own translation
// (plugins/re2.ts), so `check` refuses exactly what the rewrite and template plugins would.
import { translateRe2 } from '../plugins/re2';

/** Throws Error saying what is wrong with a Go regexp. */
export function checkGoRegex(source: string): void {
  const t = translateRe2(source);
  if ('error' in t) throw new Error(t.error);
  try {
    new RegExp(t.source, t.flags);
  } catch (e) {
    throw new Error((e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, ''));
  }
}
