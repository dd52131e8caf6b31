import { useState } from "react";
import {
  Button,
  Field,
  Input,
  Radio,
  RadioGroup,
  Select,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import type { ProfileView } from "../../ipc";
import { IpcFailure, toIpcError } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import {
  APP_SECRET_ADVICE,
  AUTH_MODES,
  CLOUDS,
  emptyForm,
  formOf,
  secretToSend,
  teamPasswordToSend,
  toProfile,
  validateForm,
  type FormErrors,
  type ProfileFormState,
} from "../../lib/profileForm";
import type { AuthMode, Cloud, IpcError, ProfileInput } from "../../ipc";

const useStyles = makeStyles({
  form: {
    display: "grid",
    gridTemplateColumns: "repeat(2, minmax(240px, 1fr))",
    gap: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
    maxWidth: "900px",
  },
  wide: { gridColumn: "1 / -1" },
  buttons: { gridColumn: "1 / -1", display: "flex", gap: tokens.spacingHorizontalS },
  h: { gridColumn: "1 / -1", margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
});

interface Props {
  /** The profile being edited; `null` adds a new one. */
  editing: ProfileView | null;
  /** False when the secret store refuses secrets: the secret field says so. */
  canStoreSecrets: boolean;
  saving: boolean;
  onSave: (input: ProfileInput) => Promise<unknown>;
  onCancel: () => void;
}

/** Adds or edits a profile. The secret is write-only: typed, sent once, cleared. */
export function ProfileForm({ editing, canStoreSecrets, saving, onSave, onCancel }: Props) {
  const styles = useStyles();
  const [form, setForm] = useState<ProfileFormState>(() => (editing ? formOf(editing) : emptyForm()));
  const [errors, setErrors] = useState<FormErrors>({});
  const [failure, setFailure] = useState<IpcError | null>(null);
  const set = <K extends keyof ProfileFormState>(k: K, v: ProfileFormState[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setErrors((e) => ({ ...e, [k]: undefined }));
  };
  const err = (k: keyof FormErrors) => errors[k];
  const fieldProps = (k: keyof FormErrors) => ({
    validationMessage: err(k) ? <span data-testid={`field-error-${k}`}>{err(k)}</span> : undefined,
    validationState: err(k) ? ("error" as const) : ("none" as const),
  });

  const submit = async () => {
    setFailure(null);
    const found = validateForm(form);
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    try {
      await onSave({
        profile: toProfile(form),
        secret: secretToSend(form),
        teamStorePassword: teamPasswordToSend(form),
      });
      setForm(emptyForm());
      setErrors({});
    } catch (e) {
      const ipc = e instanceof IpcFailure ? e.error : toIpcError(e);
      if (ipc.kind === "validation" && ipc.field in form) setErrors({ [ipc.field]: ipc.message });
      else setFailure(ipc);
      // Never keep a typed secret around after a failed save either.
      setForm((f) => ({ ...f, secret: "" }));
    }
  };

  const custom = form.cloud === "custom";
  const storedSecret = editing !== null && editing.hasSecret && editing.profile.authMode === "clientSecret";
  return (
    <form
      className={styles.form}
      data-testid="profile-form"
      aria-label={editing ? `Edit profile ${editing.profile.name}` : "Add a profile"}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      noValidate
    >
      <h3 className={styles.h}>{editing ? `Edit profile “${editing.profile.name}”` : "Add a profile"}</h3>
      <Field label="Name" required {...fieldProps("name")} hint={editing ? "A profile keeps its name." : undefined}>
        <Input
          data-testid="profile-name"
          value={form.name}
          disabled={editing !== null}
          onChange={(_, d) => set("name", d.value)}
        />
      </Field>
      <Field label="Cloud" {...fieldProps("cloud")}>
        <Select data-testid="profile-cloud" value={form.cloud} onChange={(_, d) => set("cloud", d.value as Cloud)}>
          {CLOUDS.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Directory (tenant) ID" required {...fieldProps("tenantId")}>
        <Input data-testid="profile-tenant" value={form.tenantId} onChange={(_, d) => set("tenantId", d.value)} />
      </Field>
      <Field label="Application (client) ID" required {...fieldProps("clientId")}>
        <Input data-testid="profile-client" value={form.clientId} onChange={(_, d) => set("clientId", d.value)} />
      </Field>
      {custom && (
        <>
          <Field label="Authority (token service) URL" required {...fieldProps("authority")}>
            <Input data-testid="profile-authority" value={form.authority} onChange={(_, d) => set("authority", d.value)} />
          </Field>
          <Field label="Defender API base URL" required {...fieldProps("apiBase")}>
            <Input data-testid="profile-api-base" value={form.apiBase} onChange={(_, d) => set("apiBase", d.value)} />
          </Field>
        </>
      )}
      <Field label="Sign-in" className={styles.wide} {...fieldProps("authMode")}>
        <RadioGroup
          layout="horizontal"
          value={form.authMode}
          onChange={(_, d) => set("authMode", d.value as AuthMode)}
          data-testid="profile-auth-mode"
        >
          {AUTH_MODES.map((m) => (
            <Radio key={m.value} value={m.value} label={m.label} data-testid={`auth-mode-${m.value}`} title={m.hint} />
          ))}
        </RadioGroup>
      </Field>
      {form.authMode === "certificate" && (
        <Field label="Certificate file" required className={styles.wide} {...fieldProps("certificatePath")}>
          <Input
            data-testid="profile-cert-path"
            value={form.certificatePath}
            placeholder="/path/to/cordon.pem or .pfx"
            onChange={(_, d) => set("certificatePath", d.value)}
          />
        </Field>
      )}
      {form.authMode === "clientSecret" && (
        <Text className={styles.wide} data-testid="secret-advice">
          {APP_SECRET_ADVICE}
        </Text>
      )}
      {form.authMode === "clientSecret" && (
        <Field
          label="Client secret"
          className={styles.wide}
          {...fieldProps("secret")}
          hint={
            !canStoreSecrets
              ? "Secure storage is unavailable: the secret cannot be stored."
              : storedSecret
                ? "A secret is stored. Type a new one to replace it; leave empty to keep it."
                : "Kept in the secret store only; Cordon never shows it again."
          }
        >
          <Input
            data-testid="profile-secret"
            type="password"
            autoComplete="off"
            value={form.secret}
            placeholder={storedSecret ? "replace secret" : ""}
            onChange={(_, d) => set("secret", d.value)}
          />
        </Field>
      )}
      <Field
        label="Team store (optional)"
        className={styles.wide}
        {...fieldProps("teamStore")}
        hint="A PostgreSQL store shared with your team's agents and desktops, without its password. Empty keeps the journal on this computer."
      >
        <Input
          data-testid="profile-team-store"
          value={form.teamStore}
          placeholder="postgres://LOGIN@HOST:5432/cordon?sslmode=require"
          onChange={(_, d) => set("teamStore", d.value)}
        />
      </Field>
      {form.teamStore.trim() !== "" && (
        <Field
          label="Team store password"
          className={styles.wide}
          {...fieldProps("teamStorePassword")}
          hint="Kept in the secret store only. Leave empty to keep the stored one (or for a login without a password)."
        >
          <Input
            data-testid="profile-team-store-password"
            type="password"
            autoComplete="off"
            value={form.teamStorePassword}
            onChange={(_, d) => set("teamStorePassword", d.value)}
          />
        </Field>
      )}
      {failure && (
        <div className={styles.wide}>
          <IpcErrorMessage error={failure} data-testid="profile-form-error" />
        </div>
      )}
      <div className={styles.buttons}>
        <Button appearance="primary" type="submit" data-testid="profile-save" disabled={saving}>
          {editing ? "Save changes" : "Add profile"}
        </Button>
        {editing && (
          <Button data-testid="profile-cancel" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
