import { Tab, TabList } from "@fluentui/react-components";

export type ViewName = "machines" | "settings";

/** The top-level navigation in the header. */
export function MainNav({ value, onChange }: { value: ViewName; onChange: (v: ViewName) => void }) {
  return (
    <TabList
      size="small"
      selectedValue={value}
      onTabSelect={(_, d) => onChange(d.value as ViewName)}
      aria-label="Views"
    >
      <Tab value="machines" data-testid="nav-machines">
        Machines
      </Tab>
      <Tab value="settings" data-testid="nav-settings">
        Settings
      </Tab>
    </TabList>
  );
}
