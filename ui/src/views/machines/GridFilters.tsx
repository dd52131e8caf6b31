import { useEffect, useState } from "react";
import {
  Button,
  Input,
  Menu,
  MenuItemCheckbox,
  MenuList,
  MenuPopover,
  MenuTrigger,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { NO_FACETS, facetCount, splitList, type Facets } from "../../lib/grid";

const useStyles = makeStyles({
  bar: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  text: { width: "180px" },
});

type ListFacet = "health" | "os" | "risk" | "exposure" | "deviceValue";

/** The values Defender uses for each listed facet; `""` is "none set". */
const CHOICES: { facet: ListFacet; label: string; values: [string, string][] }[] = [
  {
    facet: "health",
    label: "Health",
    values: [
      ["Active", "Active"],
      ["Inactive", "Inactive"],
      ["ImpairedCommunication", "Impaired communication"],
      ["NoSensorData", "No sensor data"],
      ["NoSensorDataImpairedCommunication", "No sensor data, impaired communication"],
      ["Unknown", "Unknown"],
    ],
  },
  {
    facet: "os",
    label: "OS",
    values: [
      ["Windows11", "Windows 11"],
      ["Windows10", "Windows 10"],
      ["WindowsServer2025", "Windows Server 2025"],
      ["WindowsServer2022", "Windows Server 2022"],
      ["WindowsServer2019", "Windows Server 2019"],
      ["WindowsServer2016", "Windows Server 2016"],
      ["Linux", "Linux"],
      ["macOS", "macOS"],
      ["iOS", "iOS"],
      ["Android", "Android"],
    ],
  },
  {
    facet: "risk",
    label: "Risk",
    values: [
      ["High", "High"],
      ["Medium", "Medium"],
      ["Low", "Low"],
      ["Informational", "Informational"],
      ["None", "None"],
      ["", "No score"],
    ],
  },
  {
    facet: "exposure",
    label: "Exposure",
    values: [
      ["High", "High"],
      ["Medium", "Medium"],
      ["Low", "Low"],
      ["None", "None"],
      ["", "No level"],
    ],
  },
  {
    facet: "deviceValue",
    label: "Device value",
    values: [
      ["High", "High"],
      ["Normal", "Normal"],
      ["Low", "Low"],
      ["", "Not set"],
    ],
  },
];

/** A typed list (tags, device groups), applied on Enter or when the field is left. */
function ListInput({ value, label, testId, onChange }: { value: string[]; label: string; testId: string; onChange: (v: string[]) => void }) {
  const styles = useStyles();
  const [text, setText] = useState(value.join(", "));
  useEffect(() => setText(value.join(", ")), [value]);
  const commit = () => {
    const next = splitList(text);
    if (next.join("\n") !== value.join("\n")) onChange(next);
  };
  return (
    <Input
      className={styles.text}
      size="small"
      placeholder={label}
      aria-label={`${label} (comma-separated, exact)`}
      data-testid={testId}
      value={text}
      onChange={(_, d) => setText(d.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
      }}
    />
  );
}

interface Props {
  facets: Facets;
  onChange: (f: Facets) => void;
}

/** The grid's filters besides the state chips; the core evaluates them. */
export function GridFilters({ facets, onChange }: Props) {
  const styles = useStyles();
  return (
    <div className={styles.bar} role="group" aria-label="Filter machines" data-testid="grid-filters">
      {CHOICES.map(({ facet, label, values }) => {
        const chosen = facets[facet];
        return (
          <Menu
            key={facet}
            checkedValues={{ [facet]: chosen }}
            onCheckedValueChange={(_, d) => onChange({ ...facets, [facet]: d.checkedItems })}
          >
            <MenuTrigger disableButtonEnhancement>
              <Button size="small" appearance={chosen.length > 0 ? "primary" : "secondary"} data-testid={`facet-${facet}`}>
                {chosen.length > 0 ? `${label} (${chosen.length})` : label}
              </Button>
            </MenuTrigger>
            <MenuPopover>
              <MenuList>
                {values.map(([value, text]) => (
                  <MenuItemCheckbox key={value || "none"} name={facet} value={value} data-testid={`facet-${facet}-${value || "none"}`}>
                    {text}
                  </MenuItemCheckbox>
                ))}
              </MenuList>
            </MenuPopover>
          </Menu>
        );
      })}
      <ListInput label="Tags" testId="facet-tags" value={facets.tags} onChange={(tags) => onChange({ ...facets, tags })} />
      <ListInput label="Device groups" testId="facet-groups" value={facets.groups} onChange={(groups) => onChange({ ...facets, groups })} />
      {facetCount(facets) > 0 && (
        <Button size="small" appearance="subtle" onClick={() => onChange(NO_FACETS)} data-testid="facet-clear">
          Clear filters
        </Button>
      )}
    </div>
  );
}
