import { CounterBadge, Tab, TabList } from "@fluentui/react-components";

export const VIEW_NAMES = ["machines", "automation", "reconciliation", "history", "audit", "settings"] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

const VIEWS: { value: ViewName; label: string }[] = [
  { value: "machines", label: "Machines" },
  { value: "automation", label: "Alerts & rules" },
  { value: "reconciliation", label: "Reconciliation" },
  { value: "history", label: "History" },
  { value: "audit", label: "Audit log" },
  { value: "settings", label: "Settings" },
];

/**
 * The top-level navigation in the header; `badges` puts a count on a view (the
 * proposals waiting for approval on Alerts & rules).
 */
export function MainNav({
  value,
  onChange,
  badges = {},
}: {
  value: ViewName;
  onChange: (v: ViewName) => void;
  badges?: Partial<Record<ViewName, number>>;
}) {
  return (
    <TabList
      size="small"
      selectedValue={value}
      onTabSelect={(_, d) => onChange(d.value as ViewName)}
      aria-label="Views"
    >
      {VIEWS.map((v) => {
        const n = badges[v.value] ?? 0;
        return (
          <Tab key={v.value} value={v.value} data-testid={`nav-${v.value}`}>
            {v.label}
            {n > 0 && (
              <CounterBadge
                count={n}
                size="small"
                color="danger"
                style={{ marginLeft: 6 }}
                aria-label={`${n} waiting for approval`}
                data-testid={`nav-${v.value}-badge`}
              />
            )}
          </Tab>
        );
      })}
    </TabList>
  );
}
