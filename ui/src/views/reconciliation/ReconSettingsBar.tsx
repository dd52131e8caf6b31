import { useEffect, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Field, Input, Switch, Text, makeStyles, tokens } from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { ReconcileSettings } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { queryKeys, useReconcileSettings } from "../../queries";

const useStyles = makeStyles({
  bar: { display: "flex", alignItems: "flex-end", gap: tokens.spacingHorizontalL, flexWrap: "wrap" },
  tries: { width: "90px" },
  note: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200, maxWidth: "520px" },
});

/** The auto-reconcile switch and its bound (tries per machine before a person decides). */
export function ReconSettingsBar({ mayAct }: { mayAct: boolean }) {
  const styles = useStyles();
  const client = useQueryClient();
  const settings = useReconcileSettings();
  const [tries, setTries] = useState("");
  useEffect(() => {
    if (settings.data) setTries(String(settings.data.maxTries));
  }, [settings.data]);
  const save = useMutation<ReconcileSettings, Error, ReconcileSettings>({
    mutationFn: ipc.setReconcileSettings,
    onSuccess: (s) => {
      client.setQueryData(queryKeys.reconSettings, s);
      void client.invalidateQueries({ queryKey: queryKeys.recon });
    },
  });
  const s = settings.data;
  const parsed = Number.parseInt(tries, 10);
  const triesValid = Number.isInteger(parsed) && parsed >= 1 && parsed <= 20;
  return (
    <div className={styles.bar} data-testid="recon-settings">
      <Switch
        label="Auto-reconcile"
        checked={s?.autoReconcile ?? false}
        disabled={!s || !mayAct || save.isPending}
        onChange={(_, d) => s && save.mutate({ ...s, autoReconcile: d.checked })}
        data-testid="auto-reconcile"
      />
      <Field label="Max tries per machine" validationMessage={triesValid ? undefined : "1 to 20"}>
        <Input
          className={styles.tries}
          type="number"
          min={1}
          max={20}
          value={tries}
          disabled={!s || !mayAct}
          onChange={(_, d) => setTries(d.value)}
          data-testid="max-tries"
        />
      </Field>
      <Button
        size="small"
        disabled={!s || !mayAct || !triesValid || parsed === s.maxTries || save.isPending}
        onClick={() => s && save.mutate({ ...s, maxTries: parsed })}
        data-testid="save-max-tries"
      >
        Save
      </Button>
      <Text className={styles.note}>
        When on, Cordon resubmits a timed-out release as soon as its machine is seen again, at most this many times;
        every step is in the audit log.
      </Text>
      {save.error && <IpcErrorMessage error={ipc.toIpcError(save.error)} />}
    </div>
  );
}
