import { Tab, TabList } from "@fluentui/react-components";

export type ViewName = "machines" | "reconciliation" | "history" | "audit" | "settings";

const VIEWS: { value: ViewName; label: string }[] = [
  { value: "machines", label: "Machines" },
  { value: "reconciliation", label: "Reconciliation" },
  { value: "history", label: "History" },
  { value: "audit", label: "Audit log" },
  { value: "settings", label: "Settings" },
];

/** The top-level navigation in the header. */
export function MainNav({ value, onChange }: { value: ViewName; onChange: (v: ViewName) => void }) {
  return (
    <TabList
      size="small"
      selectedValue={value}
      onTabSelect={(_, d) => onChange(d.value as ViewName)}
      aria-label="Views"
    >
      {VIEWS.map((v) => (
        <Tab key={v.value} value={v.value} data-testid={`nav-${v.value}`}>
          {v.label}
        </Tab>
      ))}
    </TabList>
  );
}
