import { ToggleButton, makeStyles, tokens } from "@fluentui/react-components";
import type { Counters } from "../../ipc";
import type { StateFilter } from "../../lib/states";

const useStyles = makeStyles({
  bar: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  counter: { display: "flex" },
  button: {
    minWidth: "128px",
    display: "flex",
    flexDirection: "column",
    alignItems: "flex-start",
    paddingTop: tokens.spacingVerticalXS,
    paddingBottom: tokens.spacingVerticalXS,
  },
  value: { fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold, lineHeight: tokens.lineHeightBase500 },
  label: { fontSize: tokens.fontSizeBase200, fontWeight: tokens.fontWeightRegular },
  danger: { color: tokens.colorPaletteRedForeground1 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1 },
  brand: { color: tokens.colorBrandForeground1 },
  // Marigold's foreground is too light on white for text (axe: 2.6:1).
  severe: { color: tokens.colorStatusWarningForeground3 },
});

interface Item {
  filter: StateFilter;
  label: string;
  testId: string;
  filterTestId: string;
  value: (c: Counters) => number;
  tone?: "danger" | "warning" | "brand" | "severe";
}

const ITEMS: Item[] = [
  { filter: "isolatedNow", label: "Isolated now", testId: "counter-isolated", filterTestId: "filter-isolated-now", value: (c) => c.isolatedNow, tone: "danger" },
  { filter: "isolating", label: "Isolating", testId: "counter-isolating", filterTestId: "filter-isolating", value: (c) => c.isolating, tone: "warning" },
  { filter: "releasing", label: "Releasing", testId: "counter-releasing", filterTestId: "filter-releasing", value: (c) => c.releasing, tone: "brand" },
  { filter: "stuck", label: "Release stuck", testId: "counter-stuck", filterTestId: "filter-stuck", value: (c) => c.stuck, tone: "severe" },
  { filter: "failed", label: "Isolation failed", testId: "counter-failed", filterTestId: "filter-failed", value: (c) => c.isolationFailed, tone: "danger" },
  { filter: "all", label: "Total machines", testId: "counter-total", filterTestId: "filter-all", value: (c) => c.total },
];

interface Props {
  counters: Counters | undefined;
  filter: StateFilter;
  onFilter: (f: StateFilter) => void;
}

/** The counters double as the state filters: one click each, a second click clears. */
export function CounterBar({ counters, filter, onFilter }: Props) {
  const styles = useStyles();
  return (
    <div className={styles.bar} role="toolbar" aria-label="Filter machines by state">
      {ITEMS.map((item) => {
        const pressed = filter === item.filter;
        const n = counters ? item.value(counters) : null;
        return (
          <div key={item.testId} className={styles.counter} data-testid={item.testId}>
            <ToggleButton
              className={styles.button}
              data-testid={item.filterTestId}
              checked={pressed}
              appearance={pressed && item.filter !== "all" ? "primary" : "secondary"}
              onClick={() => onFilter(pressed || item.filter === "all" ? "all" : item.filter)}
            >
              {/* Named by its visible text ("89 Isolated now"): what a voice user says. */}
              <span
                className={`${styles.value} ${item.tone && !pressed && n ? styles[item.tone] : ""}`}
                data-testid={`${item.testId}-value`}
              >
                {n === null ? "–" : String(n)}
              </span>{" "}
              <span className={styles.label}>{item.label}</span>
            </ToggleButton>
          </div>
        );
      })}
    </div>
  );
}
