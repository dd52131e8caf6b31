// Search and state filtering for the Machines grid. The lower-cased haystacks are built
// once per snapshot, so each keystroke is one linear scan: a few ms at 100,000 rows.
import type { MachineRow } from "../ipc";
import { matchesFilter, type StateFilter } from "./states";

export interface SearchIndex {
  rows: MachineRow[];
  haystacks: string[];
}

export function buildIndex(rows: MachineRow[]): SearchIndex {
  const haystacks = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    haystacks[i] = `${r.name}\n${r.id}\n${r.ip ?? ""}`.toLowerCase();
  }
  return { rows, haystacks };
}

/** The search terms: whitespace-separated, each must match the name, id or IP. */
export function searchTerms(query: string): string[] {
  return query.trim().toLowerCase().split(/\s+/).filter((t) => t.length > 0);
}

export function filterMachines(
  index: SearchIndex,
  query: string,
  filter: StateFilter,
): MachineRow[] {
  const terms = searchTerms(query);
  if (terms.length === 0 && filter === "all") return index.rows;
  const out: MachineRow[] = [];
  const { rows, haystacks } = index;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!matchesFilter(row, filter)) continue;
    const hay = haystacks[i]!;
    let ok = true;
    for (const t of terms) {
      if (!hay.includes(t)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(row);
  }
  return out;
}
