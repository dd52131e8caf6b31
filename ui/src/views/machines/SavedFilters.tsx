// Saved filters: the grid's search, state chip and facets kept under a name (a
// preference, through Rust: a relaunch still has them), picked again from a menu, and
// saved or deleted in a small dialog. Picking one replaces the current filter; the sort
// and the columns stay as they are (they are preferences of their own).
import { useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Menu,
  MenuDivider,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { SAVED_FILTERS_KEY, isSavedFilters, withSaved, type SavedFilter } from "../../lib/gridPrefs";
import { facetCount } from "../../lib/grid";
import { usePref } from "../../lib/prefs";

const useStyles = makeStyles({
  body: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  save: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "flex-end" },
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS, margin: 0, padding: 0, listStyleType: "none" },
  item: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, justifyContent: "space-between" },
  muted: { color: tokens.colorNeutralForeground3 },
});

const NONE: SavedFilter[] = [];

/** "web-, isolated now, 2 filters": what a saved filter holds, in a few words. */
export function describeFilter(f: Omit<SavedFilter, "name">): string {
  const parts = [
    f.search.trim() !== "" ? `“${f.search.trim()}”` : null,
    f.state !== "all" ? f.state : null,
    facetCount(f.facets) > 0 ? `${facetCount(f.facets)} filter${facetCount(f.facets) === 1 ? "" : "s"}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? "every machine" : parts.join(", ");
}

interface Props {
  /** The grid's filter now (what "Save" keeps). */
  current: Omit<SavedFilter, "name">;
  onPick: (f: SavedFilter) => void;
}

export function SavedFilters({ current, onPick }: Props) {
  const s = useStyles();
  const [saved, setSaved] = usePref(SAVED_FILTERS_KEY, NONE, isSavedFilters);
  const [managing, setManaging] = useState(false);
  const [name, setName] = useState("");
  const save = () => {
    if (name.trim() === "") return;
    setSaved(withSaved(saved, { ...current, name }));
    setName("");
  };
  return (
    <>
      <Menu>
        <MenuTrigger disableButtonEnhancement>
          <Button size="small" data-testid="saved-filters">
            Saved filters{saved.length > 0 ? ` (${saved.length})` : ""}
          </Button>
        </MenuTrigger>
        <MenuPopover>
          <MenuList>
            {saved.map((f) => (
              <MenuItem key={f.name} onClick={() => onPick(f)} data-testid="saved-filter" data-name={f.name} secondaryContent={describeFilter(f)}>
                {f.name}
              </MenuItem>
            ))}
            {saved.length > 0 && <MenuDivider />}
            <MenuItem onClick={() => setManaging(true)} data-testid="manage-saved-filters">
              Save or delete…
            </MenuItem>
          </MenuList>
        </MenuPopover>
      </Menu>
      <Dialog open={managing} onOpenChange={(_, d) => setManaging(d.open)}>
        <DialogSurface data-testid="saved-filters-dialog">
          <DialogBody>
            <DialogTitle>Saved filters</DialogTitle>
            <DialogContent className={s.body}>
              <form
                className={s.save}
                onSubmit={(e) => {
                  e.preventDefault();
                  save();
                }}
              >
                <Field label={`Save the current filter (${describeFilter(current)}) as`}>
                  <Input value={name} onChange={(_, d) => setName(d.value)} data-testid="saved-filter-name" />
                </Field>
                <Button type="submit" appearance="primary" disabled={name.trim() === ""} data-testid="save-filter">
                  Save
                </Button>
              </form>
              {saved.length === 0 ? (
                <Text className={s.muted}>No saved filter yet.</Text>
              ) : (
                <ul className={s.list} aria-label="Saved filters">
                  {saved.map((f) => (
                    <li key={f.name} className={s.item}>
                      <span>
                        {f.name} <span className={s.muted}>({describeFilter(f)})</span>
                      </span>
                      <Button
                        size="small"
                        appearance="subtle"
                        aria-label={`Delete the saved filter ${f.name}`}
                        data-testid="delete-saved-filter"
                        data-name={f.name}
                        onClick={() => setSaved(saved.filter((x) => x.name !== f.name))}
                      >
                        Delete
                      </Button>
                    </li>
                  ))}
                </ul>
              )}
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setManaging(false)} data-testid="close-saved-filters">
                Close
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
