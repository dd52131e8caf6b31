import type { ReactNode } from "react";
import { Button, Dropdown, Field, Input, Option, Switch, Text, makeStyles, tokens } from "@fluentui/react-components";
import type { IsolationKind } from "../../ipc";
import { RAILS, type RuleForm } from "../../lib/automation";

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(300px, 1fr))", gap: tokens.spacingHorizontalL },
  number: { width: "110px" },
  tags: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  tagRow: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center" },
  muted: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
});

interface Props {
  form: RuleForm;
  disabled: boolean;
  onChange: (patch: Partial<RuleForm>) => void;
}

type TextKey = "protectedIds" | "excludeTags" | "excludeNames" | "excludeGroups";
type NumberKey = "maxPerWindow" | "windowMinutes" | "maxConcurrent" | "flapHours";

/** The guard rails, each with its one-line explanation. */
export function GuardRails({ form, disabled, onChange }: Props) {
  const s = useStyles();
  const text = (key: TextKey, label: string, placeholder: string) => (
    <Field label={label} hint={RAILS[key]}>
      <Input
        value={form[key]}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(_, d) => onChange({ [key]: d.value })}
        data-testid={`rail-${key}`}
      />
    </Field>
  );
  const num = (key: NumberKey, label: string, hint: string): ReactNode => (
    <Field label={label} hint={hint}>
      <Input
        className={s.number}
        type="number"
        min={0}
        value={form[key]}
        disabled={disabled}
        onChange={(_, d) => onChange({ [key]: d.value })}
        data-testid={`rail-${key}`}
      />
    </Field>
  );
  const setTag = (i: number, tag: string, isolationType: IsolationKind) =>
    onChange({ typeByTag: form.typeByTag.map((t, k) => (k === i ? { tag, isolationType } : t)) });
  return (
    <div className={s.grid} data-testid="guard-rails">
      {text("protectedIds", "Protected machines", "ids or names, comma-separated")}
      {text("excludeTags", "Excluded tags", "e.g. vip, domain-controller")}
      {text("excludeNames", "Excluded name patterns", "e.g. dc-*, *-sql-??")}
      {text("excludeGroups", "Excluded device groups", "e.g. Servers")}
      <Field label="High-value machines" hint={RAILS.excludeHighValue}>
        <Switch
          label={form.excludeHighValue ? "Wait for a person" : "Isolated like any other"}
          checked={form.excludeHighValue}
          disabled={disabled}
          onChange={(_, d) => onChange({ excludeHighValue: d.checked })}
          data-testid="rail-excludeHighValue"
        />
      </Field>
      <Field label="Servers" hint={RAILS.excludeServers}>
        <Switch
          label={form.excludeServers ? "Wait for a person" : "Isolated like any other"}
          checked={form.excludeServers}
          disabled={disabled}
          onChange={(_, d) => onChange({ excludeServers: d.checked })}
          data-testid="rail-excludeServers"
        />
      </Field>
      {num("maxPerWindow", "Isolations per window (K)", RAILS.maxPerWindow)}
      {num("windowMinutes", "Window (minutes)", RAILS.windowMinutes)}
      {num("maxConcurrent", "Isolated at once (Y)", RAILS.maxConcurrent)}
      <Field label="Hard ceiling" hint={RAILS.ceiling}>
        <Text data-testid="rail-ceiling">100 isolations per hour</Text>
      </Field>
      {num("flapHours", "Flap guard (hours)", RAILS.flapHours)}
      <Field label="Isolation type by tag" hint={RAILS.typeByTag}>
        <div className={s.tags} data-testid="rail-typeByTag">
          {form.typeByTag.map((t, i) => (
            <div key={i} className={s.tagRow} data-testid="type-by-tag-row">
              <Input size="small" value={t.tag} disabled={disabled} onChange={(_, d) => setTag(i, d.value, t.isolationType)} aria-label="Tag" />
              <Dropdown
                size="small"
                value={t.isolationType}
                selectedOptions={[t.isolationType]}
                disabled={disabled}
                onOptionSelect={(_, d) => setTag(i, t.tag, d.optionValue === "Selective" ? "Selective" : "Full")}
                aria-label="Isolation type"
                style={{ minWidth: "110px" }}
              >
                <Option value="Full">Full</Option>
                <Option value="Selective">Selective</Option>
              </Dropdown>
              <Button
                size="small"
                appearance="subtle"
                disabled={disabled}
                onClick={() => onChange({ typeByTag: form.typeByTag.filter((_, k) => k !== i) })}
                aria-label={`Remove ${t.tag}`}
              >
                ✕
              </Button>
            </div>
          ))}
          <Button
            size="small"
            disabled={disabled}
            onClick={() => onChange({ typeByTag: [...form.typeByTag, { tag: "", isolationType: "Selective" }] })}
            data-testid="add-type-by-tag"
          >
            Add a tag
          </Button>
        </div>
      </Field>
    </div>
  );
}
