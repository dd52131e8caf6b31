// The window's theme: the system's (light or dark, following the OS), or one chosen in
// Settings — light, dark, or high contrast (Fluent's high-contrast theme: white on
// black, yellow and cyan accents) for people who need it whatever the OS says.
import { teamsHighContrastTheme, webDarkTheme, webLightTheme, type Theme } from "@fluentui/react-components";
import { oneOf } from "./prefs";

export const THEMES = ["system", "light", "dark", "highContrast"] as const;
export type ThemeChoice = (typeof THEMES)[number];
export const isThemeChoice = oneOf(THEMES);

export const THEME_LABEL: Record<ThemeChoice, string> = {
  system: "System (follows Windows' light or dark mode)",
  light: "Light",
  dark: "Dark",
  highContrast: "High contrast",
};

/** The Fluent theme for a choice; `systemDark`: what the OS prefers now. */
export function fluentTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  switch (choice) {
    case "light":
      return webLightTheme;
    case "dark":
      return webDarkTheme;
    case "highContrast":
      return teamsHighContrastTheme;
    case "system":
      return systemDark ? webDarkTheme : webLightTheme;
  }
}
