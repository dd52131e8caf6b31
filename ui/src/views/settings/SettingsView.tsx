import { useEffect, useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Badge,
  Button,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import * as ipc from "../../ipc";
import type { AppInfo, ConnectionTest, DeviceCodePrompt, ProfileInput, ProfileView, SettingsView as Settings } from "../../ipc";
import { IpcErrorMessage } from "../../components/IpcErrorMessage";
import { ViewFrame } from "../../components/ViewFrame";
import { afterTenantSwitch, queryKeys, useSettings } from "../../queries";
import { authModeLabel, cloudLabel, isDelegated } from "../../lib/profileForm";
import { AboutPanel } from "./AboutPanel";
import { ConnectionResult } from "./ConnectionResult";
import { DeviceCodeCard } from "./DeviceCodeCard";
import { ProfileForm } from "./ProfileForm";
import { ThemePanel } from "./ThemePanel";

const useStyles = makeStyles({
  h: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS, maxWidth: "1100px" },
  card: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  line: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  name: { fontWeight: tokens.fontWeightSemibold },
  facts: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  spacer: { flex: "1 1 auto" },
  buttons: { display: "flex", gap: tokens.spacingHorizontalXS, flexWrap: "wrap" },
});

/** Per-profile progress of the slow actions (test, sign-in). */
interface RowState {
  test?: ConnectionTest;
  testing?: boolean;
  signingIn?: boolean;
  error?: ipc.IpcError;
}

export function SettingsView({ nav }: { nav?: ReactNode }) {
  const styles = useStyles();
  const client = useQueryClient();
  const settings = useSettings();
  const [editing, setEditing] = useState<ProfileView | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const [rows, setRows] = useState<Record<string, RowState>>({});
  const [prompt, setPrompt] = useState<DeviceCodePrompt | null>(null);
  const [error, setError] = useState<ipc.IpcError | null>(null);
  const patch = (name: string, p: Partial<RowState>) => setRows((r) => ({ ...r, [name]: { ...r[name], ...p } }));
  const reload = () => client.invalidateQueries({ queryKey: queryKeys.settings });

  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    ipc
      .onDeviceCodePrompt(setPrompt)
      .then((unlisten) => (cancelled ? unlisten() : (stop = unlisten)))
      .catch((e: unknown) => console.error("cannot listen to device-code prompts", e));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);

  const save = useMutation<ProfileView, Error, ProfileInput>({
    mutationFn: ipc.saveProfile,
    onSuccess: () => {
      setEditing(null);
      setFormKey((k) => k + 1);
      void reload();
    },
  });
  const remove = useMutation<null, Error, string>({
    mutationFn: ipc.removeProfile,
    onSuccess: (_, name) => {
      setConfirmRemove(null);
      if (editing?.profile.name === name) setEditing(null);
      void reload();
      void client.invalidateQueries({ queryKey: queryKeys.appInfo });
    },
    onError: (e) => setError(ipc.toIpcError(e)),
  });
  const use = useMutation<AppInfo, Error, string | null>({
    mutationFn: ipc.switchProfile,
    onMutate: () => setError(null),
    onSuccess: (data) => afterTenantSwitch(client, data),
    onError: (e) => setError(ipc.toIpcError(e)),
  });

  const test = async (name: string) => {
    patch(name, { testing: true, test: undefined, error: undefined });
    try {
      patch(name, { testing: false, test: await ipc.testConnection(name) });
    } catch (e) {
      patch(name, { testing: false, error: ipc.toIpcError(e) });
    }
  };
  const signIn = async (name: string) => {
    patch(name, { signingIn: true, error: undefined });
    try {
      await ipc.signIn(name);
      patch(name, { signingIn: false });
    } catch (e) {
      patch(name, { signingIn: false, error: ipc.toIpcError(e) });
    } finally {
      setPrompt((p) => (p?.profile === name ? null : p));
      void reload();
    }
  };
  const signOut = async (name: string) => {
    try {
      await ipc.signOut(name);
    } catch (e) {
      patch(name, { error: ipc.toIpcError(e) });
    }
    void reload();
  };

  const data: Settings | undefined = settings.data;
  const current = data?.current;
  const demoInUse = current?.kind === "demo";
  const storage = data?.secretStorage;

  return (
    <ViewFrame nav={nav} bodyTestId="settings-view" scroll>
        <h2 className={styles.h}>Tenant profiles</h2>
        {settings.isPending && <Spinner label="Loading profiles…" />}
        {settings.error && <IpcErrorMessage error={ipc.toIpcError(settings.error)} data-testid="settings-error" />}
        {storage && (
          <MessageBar
            data-testid="secret-storage"
            data-kind={storage.kind}
            intent={storage.kind === "unavailable" ? "error" : storage.kind === "memory" ? "warning" : "info"}
          >
            <MessageBarBody>
              <MessageBarTitle>
                {storage.kind === "unavailable" ? storage.description : `Secrets: ${storage.description}`}
              </MessageBarTitle>
              {storage.problem ?? (storage.kind === "os" ? "Client secrets and sign-ins are kept in the OS credential store, never in a file." : "")}
            </MessageBarBody>
          </MessageBar>
        )}
        {error && <IpcErrorMessage error={error} data-testid="settings-action-error" />}
        {prompt && <DeviceCodeCard prompt={prompt} />}
        <div className={styles.list} data-testid="profile-list">
          <div className={styles.card} data-testid="demo-entry">
            <div className={styles.line}>
              <span className={styles.name}>Demo tenant (simulated)</span>
              {demoInUse && (
                <Badge color="brand" data-testid="active-badge">
                  In use
                </Badge>
              )}
              <span className={styles.facts}>Cordon's built-in Defender simulator: nothing touches a real tenant.</span>
              <span className={styles.spacer} />
              <Button size="small" data-testid="use-demo" disabled={demoInUse || use.isPending} onClick={() => use.mutate(null)}>
                Use
              </Button>
            </div>
          </div>
          {data?.profiles.map((v) => {
            const name = v.profile.name;
            const state = rows[name] ?? {};
            const inUse = current?.kind === "profile" && current.name === name;
            const delegated = isDelegated(v.profile.authMode);
            return (
              <div key={name} className={styles.card} data-testid="profile-row" data-name={name}>
                <div className={styles.line}>
                  <span className={styles.name}>{name}</span>
                  {inUse && (
                    <Badge color="brand" data-testid="active-badge">
                      In use
                    </Badge>
                  )}
                  <span className={styles.facts}>
                    Tenant {v.profile.tenantId} · {cloudLabel(v.profile.cloud)} · {authModeLabel(v.profile.authMode)}
                  </span>
                  <span className={styles.facts} data-testid="profile-credential">
                    {delegated
                      ? v.signedInAs
                        ? `Signed in as ${v.signedInAs}`
                        : v.hasSecret
                          ? "Signed in"
                          : "Not signed in"
                      : v.profile.authMode === "certificate"
                        ? v.hasSecret
                          ? "Certificate file set"
                          : "No certificate file"
                        : v.hasSecret
                          ? "A secret is stored"
                          : "No secret stored"}
                  </span>
                  <span className={styles.spacer} />
                  <div className={styles.buttons}>
                    <Button size="small" data-testid="profile-use" disabled={inUse || use.isPending} onClick={() => use.mutate(name)}>
                      Use
                    </Button>
                    <Button size="small" data-testid="profile-test" disabled={state.testing} onClick={() => void test(name)}>
                      Test connection
                    </Button>
                    {delegated && (
                      <Button size="small" data-testid="profile-signin" disabled={state.signingIn} onClick={() => void signIn(name)}>
                        {v.hasSecret ? "Sign in again" : "Sign in"}
                      </Button>
                    )}
                    {delegated && v.hasSecret && (
                      <Button size="small" data-testid="profile-signout" onClick={() => void signOut(name)}>
                        Sign out
                      </Button>
                    )}
                    <Button
                      size="small"
                      data-testid="profile-edit"
                      onClick={() => {
                        setEditing(v);
                        setFormKey((k) => k + 1);
                      }}
                    >
                      Edit
                    </Button>
                    <Button size="small" data-testid="profile-remove" onClick={() => setConfirmRemove(name)}>
                      Remove
                    </Button>
                  </div>
                </div>
                {confirmRemove === name && (
                  <div className={styles.line} data-testid="remove-confirmation" role="alertdialog" aria-label={`Remove ${name}`}>
                    <span>Remove profile “{name}” and delete its stored secret and sign-in?</span>
                    <Button size="small" appearance="primary" data-testid="confirm-remove" disabled={remove.isPending} onClick={() => remove.mutate(name)}>
                      Remove
                    </Button>
                    <Button size="small" data-testid="cancel-remove" onClick={() => setConfirmRemove(null)}>
                      Keep
                    </Button>
                  </div>
                )}
                {state.signingIn && v.profile.authMode === "browser" && (
                  <span data-testid="signin-browser">Finish signing in in your system browser; Cordon is waiting…</span>
                )}
                {state.error && <IpcErrorMessage error={state.error} data-testid="profile-error" />}
                <ConnectionResult result={state.test} pending={state.testing === true} />
              </div>
            );
          })}
        </div>
        <ProfileForm
          key={formKey}
          editing={editing}
          canStoreSecrets={storage?.kind !== "unavailable"}
          saving={save.isPending}
          onSave={(input) => save.mutateAsync(input)}
          onCancel={() => {
            setEditing(null);
            setFormKey((k) => k + 1);
          }}
        />
        <ThemePanel />
        <AboutPanel />
    </ViewFrame>
  );
}
