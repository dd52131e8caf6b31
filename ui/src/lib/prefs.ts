// The window's preferences (theme, last view, and whatever a view wants remembered: a
// grid's columns, sort, saved filters), kept by Rust in `ui-prefs.json` (the store
// plugin; the web view has no store permission). One query holds them all; a change
// shows at once and is saved in the background. A preference that cannot be read, or
// that holds a value of the wrong shape, is its default: a damaged file never blocks
// the window.
import { useCallback } from "react";
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import * as ipc from "../ipc";

type Prefs = Partial<Record<string, string>>;

export const PREFS_KEY = ["uiPrefs"] as const;

/** Every preference as JSON text; resolves to none when they cannot be read. */
async function loadPrefs(): Promise<Prefs> {
  try {
    return await ipc.uiPrefs();
  } catch (e) {
    console.warn("Cordon's preferences could not be read; using the defaults", e);
    return {};
  }
}

/** The preferences query (for the few places that wait for them, e.g. the first view). */
export function usePrefs() {
  return useQuery<Prefs, Error>({ queryKey: PREFS_KEY, queryFn: loadPrefs, staleTime: Infinity });
}

/**
 * Reads the preferences into `client` before the window's first render (main.tsx), so
 * the first view is the last one used, in the chosen theme, with no flash of the
 * defaults.
 */
export async function preloadPrefs(client: QueryClient): Promise<void> {
  client.setQueryData<Prefs>(PREFS_KEY, await loadPrefs());
}

/** The value of `key` in `prefs`, if it is there, parses and passes `valid`. */
export function readPref<T>(prefs: Prefs | undefined, key: string, valid: (v: unknown) => v is T): T | undefined {
  const text = prefs?.[key];
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return valid(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Sets `key` to `value` (`undefined` removes it): at once in the cache, then saved. */
export function writePref(client: QueryClient, key: string, value: unknown): Promise<void> {
  const json = value === undefined ? "null" : JSON.stringify(value);
  client.setQueryData<Prefs>(PREFS_KEY, (old) => {
    const next = { ...old };
    if (value === undefined) delete next[key];
    else next[key] = json;
    return next;
  });
  return ipc.setUiPref(key, json).then(
    () => undefined,
    (e: unknown) => console.warn(`Cordon could not save the preference ${key}`, e),
  );
}

const anyValue = (_: unknown): _ is never => true;

/**
 * One preference as state: `[value, set]`. `valid` checks what was read (a file edited
 * by hand, an older version's shape); anything else reads as `fallback`.
 */
export function usePref<T>(
  key: string,
  fallback: T,
  valid: (v: unknown) => v is T = anyValue as (v: unknown) => v is T,
): [T, (value: T | undefined) => void] {
  const client = useQueryClient();
  const prefs = usePrefs().data;
  const value = readPref(prefs, key, valid) ?? fallback;
  const set = useCallback((v: T | undefined) => void writePref(client, key, v), [client, key]);
  return [value, set];
}

/** A guard for one of `options` (a string preference such as the theme). */
export function oneOf<T extends string>(options: readonly T[]): (v: unknown) => v is T {
  return (v: unknown): v is T => typeof v === "string" && (options as readonly string[]).includes(v);
}
