import { useEffect, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Dropdown, Field, Input, Option, Radio, RadioGroup, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { RuleStatus, Severity } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { automationKeys, refreshAutomation } from "../../automationQueries";
import { MODES, RAILS, SEVERITIES, acts, changeOf, formOf, invalidNumbers, needsConfirmation, type RuleForm } from "../../lib/automation";
import { GuardRails } from "./GuardRails";
import { PromotionDialog } from "./PromotionDialog";
import { RulePreview } from "./RulePreview";

const useStyles = makeStyles({
  root: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  h: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  modes: { display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(260px, 1fr))", gap: tokens.spacingHorizontalS },
  muted: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  row: { display: "flex", gap: tokens.spacingHorizontalL, flexWrap: "wrap", alignItems: "flex-end" },
  number: { width: "110px" },
  buttons: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center", flexWrap: "wrap" },
});

interface Saving {
  form: RuleForm;
  confirmed: boolean;
}

/**
 * The rule, editable: its mode (each with a plain sentence), what it matches, its
 * guard rails. A switch to approval or automatic first shows the dry-run record and
 * is sent with `confirmed` only after the person confirms; the core refuses it
 * otherwise, and its refusal opens the same dialog.
 */
export function RuleEditor({ status, mayAct }: { status: RuleStatus; mayAct: boolean }) {
  const s = useStyles();
  const client = useQueryClient();
  const [form, setForm] = useState<RuleForm>(() => formOf(status.settings));
  const [dirty, setDirty] = useState(false);
  const [confirm, setConfirm] = useState<{ coreMessage: string | null } | null>(null);
  useEffect(() => {
    if (!dirty) setForm(formOf(status.settings));
  }, [status.settings, dirty]);
  const patch = (p: Partial<RuleForm>) => {
    setDirty(true);
    setForm((f) => ({ ...f, ...p }));
  };
  const save = useMutation<RuleStatus, Error, Saving>({
    mutationFn: ({ form, confirmed }) => ipc.setRule(changeOf(form, confirmed)),
    onSuccess: (st) => {
      setConfirm(null);
      setDirty(false);
      setForm(formOf(st.settings));
      client.setQueryData(automationKeys.rule, st);
      void refreshAutomation(client);
    },
    onError: (e) => {
      const err = ipc.toIpcError(e);
      if (needsConfirmation(err)) setConfirm({ coreMessage: err.message });
    },
  });
  const bad = invalidNumbers(form);
  const submit = () => {
    if (acts(form.mode) && !acts(status.settings.mode)) setConfirm({ coreMessage: null });
    else save.mutate({ form, confirmed: false });
  };
  const error = save.error ? ipc.toIpcError(save.error) : null;
  const disabled = !mayAct || save.isPending;
  return (
    <section className={s.root} aria-label="The isolation rule" data-testid="rule-editor">
      <h3 className={s.h}>The rule</h3>
      <Field label="Mode">
        <RadioGroup value={form.mode} onChange={(_, d) => patch({ mode: d.value as RuleForm["mode"] })} className={s.modes} data-testid="rule-mode-group">
          {MODES.map((m) => (
            <Radio
              key={m.value}
              value={m.value}
              disabled={disabled}
              data-testid={`rule-mode-${m.value}`}
              label={
                <span>
                  <b>{m.label}</b> — <span className={s.muted}>{m.sentence}</span>
                </span>
              }
            />
          ))}
        </RadioGroup>
      </Field>
      <div className={s.row}>
        <Field label="Severity threshold" hint={RAILS.minSeverity}>
          <Dropdown
            value={form.minSeverity}
            selectedOptions={[form.minSeverity]}
            disabled={disabled}
            onOptionSelect={(_, d) => d.optionValue && patch({ minSeverity: d.optionValue as Severity })}
            data-testid="rule-severity"
          >
            {SEVERITIES.map((v) => (
              <Option key={v} value={v}>
                {v}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Interval (minutes)" hint={RAILS.interval}>
          <Input
            className={s.number}
            type="number"
            min={1}
            value={form.intervalMinutes}
            disabled={disabled}
            onChange={(_, d) => patch({ intervalMinutes: d.value })}
            data-testid="rule-interval"
          />
        </Field>
      </div>
      <Text weight="semibold">Guard rails</Text>
      <GuardRails form={form} disabled={disabled} onChange={patch} />
      {bad.length > 0 && (
        <Text className={s.muted} role="alert" data-testid="rule-form-error">
          Whole numbers only: {bad.join(", ")}.
        </Text>
      )}
      {error && !needsConfirmation(error) && <IpcErrorMessage error={error} data-testid="rule-save-error" />}
      <div className={s.buttons}>
        {mayAct && (
          <Button appearance="primary" disabled={!dirty || bad.length > 0 || save.isPending} onClick={submit} data-testid="rule-save">
            Save the rule
          </Button>
        )}
        {dirty && (
          <Button
            disabled={save.isPending}
            onClick={() => {
              setDirty(false);
              setForm(formOf(status.settings));
            }}
            data-testid="rule-reset"
          >
            Discard changes
          </Button>
        )}
        <Text className={s.muted}>Edits of what the rule matches return an acting rule to dry run; guard-rail edits keep its mode.</Text>
      </div>
      <RulePreview base={status.settings} form={form} />
      <PromotionDialog
        open={confirm !== null}
        to={form.mode}
        record={status.dryRun}
        coreMessage={confirm?.coreMessage ?? null}
        busy={save.isPending}
        onConfirm={() => save.mutate({ form, confirmed: true })}
        onCancel={() => setConfirm(null)}
      />
    </section>
  );
}
