import {
  Button,
  Checkbox,
  Popover,
  PopoverSurface,
  PopoverTrigger,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { EMPTY_PREFS, moveColumn, type ColumnPrefs } from "../../lib/gridPrefs";
import { COLUMNS, COLUMN_IDS, SELECT_COLUMN, orderOf, visibilityOf } from "./columns";

const useStyles = makeStyles({
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, minWidth: "260px" },
  item: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalXS },
  label: { flex: "1 1 auto" },
  footer: { marginTop: tokens.spacingVerticalS, display: "flex", justifyContent: "flex-end" },
});

interface Props {
  prefs: ColumnPrefs;
  onPrefs: (f: (p: ColumnPrefs) => ColumnPrefs) => void;
}

/** Which columns the grid shows and in which order; kept in the preferences. */
export function ColumnChooser({ prefs, onPrefs }: Props) {
  const styles = useStyles();
  const visible = visibilityOf(prefs);
  const order = orderOf(prefs).filter((id) => id !== SELECT_COLUMN);
  const shown = order.filter((id) => visible[id]).length;
  const move = (id: string, by: -1 | 1) => onPrefs((p) => ({ ...p, order: moveColumn(orderOf(p).filter((c) => c !== SELECT_COLUMN), COLUMN_IDS, id, by) }));
  return (
    <Popover positioning="below-end" trapFocus>
      <PopoverTrigger disableButtonEnhancement>
        <Button size="small" data-testid="columns-button">
          Columns
        </Button>
      </PopoverTrigger>
      <PopoverSurface aria-label="Choose and order columns" data-testid="column-chooser">
        <div className={styles.list}>
          {order.map((id, i) => {
            const label = COLUMNS.find((c) => c.id === id)?.label ?? id;
            return (
              <div key={id} className={styles.item} data-testid="column-choice" data-column={id}>
                <Checkbox
                  className={styles.label}
                  label={label}
                  checked={visible[id] ?? false}
                  // The last shown column stays: a grid with no column says nothing.
                  disabled={visible[id] && shown === 1}
                  onChange={(_, d) => onPrefs((p) => ({ ...p, visibility: { ...p.visibility, [id]: d.checked === true } }))}
                  data-testid={`column-toggle-${id}`}
                />
                <Button
                  size="small"
                  appearance="subtle"
                  disabled={i === 0}
                  onClick={() => move(id, -1)}
                  aria-label={`Move ${label} left`}
                  data-testid={`column-left-${id}`}
                >
                  ←
                </Button>
                <Button
                  size="small"
                  appearance="subtle"
                  disabled={i === order.length - 1}
                  onClick={() => move(id, 1)}
                  aria-label={`Move ${label} right`}
                  data-testid={`column-right-${id}`}
                >
                  →
                </Button>
              </div>
            );
          })}
        </div>
        <div className={styles.footer}>
          <Button size="small" appearance="subtle" onClick={() => onPrefs(() => EMPTY_PREFS)} data-testid="columns-reset">
            Reset columns
          </Button>
        </div>
      </PopoverSurface>
    </Popover>
  );
}
