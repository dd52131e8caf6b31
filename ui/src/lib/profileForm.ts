// The profile form's state, its checks before anything is sent, and the words the
// Settings view uses for clouds, auth modes and permissions.
import type { AuthMode, Cloud, Profile, ProfileView } from "../ipc";

export interface ProfileFormState {
  name: string;
  tenantId: string;
  clientId: string;
  cloud: Cloud;
  authMode: AuthMode;
  authority: string;
  apiBase: string;
  certificatePath: string;
  /** Write-only: typed here, sent once, never shown again. */
  secret: string;
  /** The team store (PostgreSQL) shared with the team's agents; empty for this computer. */
  teamStore: string;
  /** Write-only, like the secret: kept in the credential store. */
  teamStorePassword: string;
}

export type FormField = Exclude<keyof ProfileFormState, "cloud" | "authMode"> | "cloud" | "authMode";
export type FormErrors = Partial<Record<FormField, string>>;

export const CLOUDS: { value: Cloud; label: string }[] = [
  { value: "global", label: "Global (api.securitycenter.microsoft.com)" },
  { value: "us", label: "United States (us.api…)" },
  { value: "eu", label: "Europe (eu.api…)" },
  { value: "uk", label: "United Kingdom (uk.api…)" },
  { value: "au", label: "Australia (au.api…)" },
  { value: "swa", label: "Switzerland (swa.api…)" },
  { value: "ina", label: "India (ina.api…)" },
  { value: "gcc", label: "US Government GCC" },
  { value: "gccHigh", label: "US Government GCC High" },
  { value: "dod", label: "US Government DoD" },
  { value: "custom", label: "Custom endpoints (proxy, simulator)" },
];

/** Delegated sign-in first (the default: actions are credited to a person), then a
 * certificate for app-only; an app secret last, as an explicit choice (K-13). */
export const AUTH_MODES: { value: AuthMode; label: string; hint: string }[] = [
  { value: "browser", label: "Browser sign-in", hint: "Delegated: you sign in in your system browser; actions are attributed to you." },
  { value: "deviceCode", label: "Device code", hint: "Delegated: type a code on another device's browser." },
  { value: "certificate", label: "Certificate", hint: "App-only: a PEM (certificate + private key) or PFX file." },
  { value: "clientSecret", label: "App secret", hint: "App-only: the app registration's client secret, kept in the secret store." },
];

/** Why a certificate beats an app secret, shown when the secret is chosen. */
export const APP_SECRET_ADVICE =
  "An app secret is a shared password for the whole app registration: whoever copies it can isolate machines from anywhere, as the app. Prefer browser sign-in (actions are credited to you) or a certificate (its private key stays in a file on this machine).";

export function cloudLabel(cloud: Cloud): string {
  return CLOUDS.find((c) => c.value === cloud)?.label.replace(/ \(.*\)$/, "") ?? cloud;
}

export function authModeLabel(mode: AuthMode): string {
  return AUTH_MODES.find((m) => m.value === mode)?.label ?? mode;
}

export function isDelegated(mode: AuthMode): boolean {
  return mode === "browser" || mode === "deviceCode";
}

export function emptyForm(): ProfileFormState {
  return {
    name: "",
    tenantId: "",
    clientId: "",
    cloud: "global",
    authMode: "browser",
    authority: "",
    apiBase: "",
    certificatePath: "",
    secret: "",
    teamStore: "",
    teamStorePassword: "",
  };
}

export function formOf(view: ProfileView): ProfileFormState {
  const p = view.profile;
  return {
    name: p.name,
    tenantId: p.tenantId,
    clientId: p.clientId,
    cloud: p.cloud,
    authMode: p.authMode,
    authority: p.authority ?? "",
    apiBase: p.apiBase ?? "",
    certificatePath: p.certificatePath ?? "",
    secret: "",
    teamStore: p.teamStore ?? "",
    teamStorePassword: "",
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function url(s: string): boolean {
  try {
    const u = new URL(s.trim());
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/** The checks the back end makes too, stated next to each field before sending. */
export function validateForm(f: ProfileFormState): FormErrors {
  const e: FormErrors = {};
  const name = f.name.trim();
  if (!name) e.name = "Give the profile a name.";
  else if (name.length > 64) e.name = "A profile name has at most 64 characters.";
  else if (/[/\\#]/.test(name)) e.name = "A profile name cannot contain /, \\ or #.";
  if (!GUID.test(f.tenantId.trim()))
    e.tenantId = "Use the Directory (tenant) ID GUID from Entra ID, e.g. 00000000-0000-0000-0000-000000000000.";
  if (!GUID.test(f.clientId.trim())) e.clientId = "Use the Application (client) ID GUID of the app registration.";
  if (f.cloud === "custom") {
    if (!url(f.authority)) e.authority = "A custom cloud needs the token service URL (https, or http to localhost).";
    if (!url(f.apiBase)) e.apiBase = "A custom cloud needs the Defender API base URL (https, or http to localhost).";
  }
  if (f.authMode === "certificate" && !f.certificatePath.trim())
    e.certificatePath = "Certificate sign-in needs a certificate file (PEM with its private key, or PFX).";
  const team = f.teamStore.trim();
  if (team && !/^postgres(ql)?:\/\//i.test(team))
    e.teamStore = "A team store URL starts with postgres://, e.g. postgres://LOGIN@HOST:5432/cordon?sslmode=require.";
  if (!team && f.teamStorePassword) e.teamStorePassword = "A team store password needs a team store URL.";
  return e;
}

/** The profile to send; fields that do not apply to the cloud or mode are left out. */
export function toProfile(f: ProfileFormState): Profile {
  const custom = f.cloud === "custom";
  return {
    name: f.name.trim(),
    tenantId: f.tenantId.trim(),
    clientId: f.clientId.trim(),
    cloud: f.cloud,
    authMode: f.authMode,
    authority: custom ? f.authority.trim() : null,
    apiBase: custom ? f.apiBase.trim() : null,
    certificatePath: f.authMode === "certificate" ? f.certificatePath.trim() : null,
    teamStore: f.teamStore.trim() || null,
  };
}

/** The team store password to send with the profile (empty keeps the stored one). */
export function teamPasswordToSend(f: ProfileFormState): string | null {
  return f.teamStore.trim() && f.teamStorePassword !== "" ? f.teamStorePassword : null;
}

/** The secret to send with the profile, only for the mode that stores one. */
export function secretToSend(f: ProfileFormState): string | null {
  return f.authMode === "clientSecret" && f.secret !== "" ? f.secret : null;
}
