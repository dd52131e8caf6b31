import { Radio, RadioGroup, makeStyles, tokens } from "@fluentui/react-components";
import { usePref } from "../../lib/prefs";
import { THEMES, THEME_LABEL, isThemeChoice, type ThemeChoice } from "../../lib/theme";

const useStyles = makeStyles({
  h: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  box: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS, maxWidth: "1100px" },
});

/** Settings' appearance: the theme, kept with the window's preferences. */
export function ThemePanel() {
  const styles = useStyles();
  const [theme, setTheme] = usePref<ThemeChoice>("theme", "system", isThemeChoice);
  return (
    <section className={styles.box} aria-labelledby="theme-heading" data-testid="theme-panel">
      <h2 className={styles.h} id="theme-heading">
        Appearance
      </h2>
      <RadioGroup
        aria-labelledby="theme-heading"
        layout="horizontal"
        value={theme}
        onChange={(_, d) => isThemeChoice(d.value) && setTheme(d.value)}
        data-testid="theme-choice"
      >
        {THEMES.map((t) => (
          <Radio key={t} value={t} label={THEME_LABEL[t]} data-testid={`theme-${t}`} />
        ))}
      </RadioGroup>
    </section>
  );
}
