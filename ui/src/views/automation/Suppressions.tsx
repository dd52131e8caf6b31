import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Dropdown, Input, Option, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { RuleStatus, Suppression } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { automationKeys } from "../../automationQueries";
import { Time } from "../../components/Time";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  h: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  row: {
    display: "grid",
    gridTemplateColumns: "90px minmax(200px, 2fr) 170px minmax(140px, 1fr) minmax(200px, 2fr)",
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    fontSize: tokens.fontSizeBase200,
  },
  head: { fontWeight: tokens.fontWeightSemibold, backgroundColor: tokens.colorNeutralBackground3 },
  form: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  days: { width: "80px" },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** Detections the rule ignores for a while after a false positive, and adding one. */
export function Suppressions({ list, mayAct }: { list: Suppression[]; mayAct: boolean }) {
  const s = useStyles();
  const client = useQueryClient();
  const [kind, setKind] = useState<"title" | "detector">("title");
  const [value, setValue] = useState("");
  const [days, setDays] = useState("7");
  const [reason, setReason] = useState("");
  const add = useMutation<RuleStatus, Error>({
    mutationFn: () => ipc.suppress(kind, value.trim(), Number.parseInt(days, 10), reason.trim()),
    onSuccess: (st) => {
      setValue("");
      setReason("");
      client.setQueryData(automationKeys.rule, st);
    },
  });
  return (
    <section className={s.root} aria-label="Suppressions" data-testid="suppressions">
      <h3 className={s.h}>Suppressions</h3>
      <Text className={s.muted}>A suppressed detection is not acted on until the date shown; each is in the audit log.</Text>
      <div role="grid" aria-label="Suppressed detections">
        <div className={`${s.row} ${s.head}`} role="row">
          <span role="columnheader">By</span>
          <span role="columnheader">Detection</span>
          <span role="columnheader">Until</span>
          <span role="columnheader">Who</span>
          <span role="columnheader">Reason</span>
        </div>
        {list.length === 0 && <div className={s.muted}>No detection is suppressed.</div>}
        {list.map((x) => (
          <div key={`${x.kind}:${x.value}`} className={s.row} role="row" data-testid="suppression-row">
            <span role="gridcell">{x.kind === "title" ? "Title" : "Detector"}</span>
            <span role="gridcell">{x.value}</span>
            <span role="gridcell">
              <Time iso={x.until} />
            </span>
            <span role="gridcell">{x.by}</span>
            <span role="gridcell">{x.reason}</span>
          </div>
        ))}
      </div>
      {mayAct && (
        <div className={s.form}>
          <Dropdown
            size="small"
            value={kind === "title" ? "Alert title" : "Detector id"}
            selectedOptions={[kind]}
            onOptionSelect={(_, d) => setKind(d.optionValue === "detector" ? "detector" : "title")}
            aria-label="Suppress by"
            style={{ minWidth: "130px" }}
          >
            <Option value="title">Alert title</Option>
            <Option value="detector">Detector id</Option>
          </Dropdown>
          <Input size="small" placeholder="The detection" value={value} onChange={(_, d) => setValue(d.value)} data-testid="suppress-value" />
          <Input size="small" className={s.days} type="number" min={1} max={90} value={days} onChange={(_, d) => setDays(d.value)} aria-label="Days" />
          <Input size="small" placeholder="Reason (required)" value={reason} onChange={(_, d) => setReason(d.value)} data-testid="suppress-reason" />
          <Button size="small" disabled={!value.trim() || !reason.trim() || add.isPending} onClick={() => add.mutate()} data-testid="suppress-add">
            Suppress
          </Button>
        </div>
      )}
      {add.error && <IpcErrorMessage error={ipc.toIpcError(add.error)} data-testid="suppress-error" />}
    </section>
  );
}
