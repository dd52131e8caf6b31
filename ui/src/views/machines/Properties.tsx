import { makeStyles, tokens } from "@fluentui/react-components";
import type { MachineDetail, MachineRow } from "../../ipc";
import { exactTime, localTime, relativeTime } from "../../lib/time";

const useStyles = makeStyles({
  list: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, wordBreak: "break-word" },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

interface Props {
  machine: MachineRow;
  detail: MachineDetail | undefined;
  now: Date;
}

/** The machine's facts, each as text. */
export function Properties({ machine, detail, now }: Props) {
  const styles = useStyles();
  const os = detail?.osVersion ? `${machine.os} (${detail.osVersion})` : machine.os;
  const ips = detail && detail.ipAddresses.length > 0 ? detail.ipAddresses.join(", ") : machine.ip;
  // [label, value, monospace, hover text (a time's exact value)]
  const rows: Array<[string, string | null | undefined, boolean?, string?]> = [
    ["Machine id", machine.id, true],
    ["Health", machine.health],
    [
      "Last full report",
      machine.lastSeen ? `${relativeTime(machine.lastSeen, now)} (${localTime(machine.lastSeen)})` : "never",
      false,
      machine.lastSeen ? exactTime(machine.lastSeen) : undefined,
    ],
    ["OS", os],
    ["IP addresses", ips],
    ["Risk", machine.risk],
    ["Exposure", machine.exposure],
    ["Device value", machine.deviceValue],
    ["Tags", machine.tags.join(", ")],
    ["Group", machine.group],
    ["First seen", detail?.firstSeen ? localTime(detail.firstSeen) : undefined, false, detail?.firstSeen ? exactTime(detail.firstSeen) : undefined],
    ["Entra device id", detail?.aadDeviceId, true],
  ];
  return (
    <dl className={styles.list} data-testid="properties">
      {rows.map(([label, value, mono, title]) => (
        <div key={label} style={{ display: "contents" }}>
          <dt className={styles.term}>{label}</dt>
          <dd className={`${styles.value} ${mono ? styles.mono : ""}`} title={title}>{value ? value : "–"}</dd>
        </div>
      ))}
    </dl>
  );
}
