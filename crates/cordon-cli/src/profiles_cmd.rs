//! `cordon profiles …`: add, list, remove, use. Secrets are read from standard input
//! only (never from an argument, which other users could see in the process list) and
//! go to the OS credential store.

use std::io::Read as _;
use std::path::PathBuf;

use cordon_core::profiles::{AuthMode, Cloud, Profile};
use cordon_core::secrets::{Secret, SecretKind};
use cordon_core::tenant;
use cordon_core::{CoreError, Result};

use crate::cli::{AddArgs, ProfilesCmd};
use crate::output;

pub fn run(cmd: &ProfilesCmd, json: bool, data_dir: Option<PathBuf>) -> Result<()> {
    let store = tenant::cli_profiles(data_dir)?;
    match cmd {
        ProfilesCmd::Add(args) => {
            let profile = to_profile(args);
            let kind = match (args.secret_stdin, profile.auth_mode) {
                (false, _) => None,
                (true, AuthMode::ClientSecret) => Some(SecretKind::ClientSecret),
                (true, AuthMode::Certificate) => Some(SecretKind::CertificatePassword),
                (true, _) => {
                    return Err(CoreError::Invalid {
                        field: "secret".into(),
                        message: "Browser and device-code profiles store no secret: add the profile, then run `cordon signin --profile NAME`.".into(),
                    });
                }
            };
            // Read the secret before writing anything: a missing secret adds nothing.
            let secret = kind.map(read_secret).transpose()?;
            store.upsert(profile.clone())?;
            if let (Some(kind), Some(secret)) = (kind, secret) {
                store.set_secret(&profile.name, kind, &secret)?;
            }
            output::profile(json, &store.view(&profile.name)?);
        }
        ProfilesCmd::List => output::profiles(json, &store.list()?),
        ProfilesCmd::Remove { name } => {
            let removed = store.get(name)?.name;
            store.remove(name)?;
            output::done(
                json,
                &format!("Removed profile “{removed}” and its stored secrets."),
            );
        }
        ProfilesCmd::Use { name } => {
            store.set_active(Some(name))?;
            output::profile(json, &store.view(name)?);
        }
    }
    Ok(())
}

fn to_profile(a: &AddArgs) -> Profile {
    let cloud = match a.cloud {
        Some(c) => c,
        None if a.api_base.is_some() || a.authority.is_some() => Cloud::Custom,
        None => Cloud::Global,
    };
    Profile {
        name: a.name.clone(),
        tenant_id: a.tenant_id.clone(),
        client_id: a.client_id.clone(),
        cloud,
        auth_mode: a.auth,
        authority: a.authority.clone(),
        api_base: a.api_base.clone(),
        certificate_path: a.certificate.as_ref().map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        }),
        team_store: None,
    }
}

/// Standard input up to its end, without the trailing line break.
fn read_secret(kind: SecretKind) -> Result<Secret> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CoreError::Invalid {
            field: "secret".into(),
            message: format!("Could not read the {kind} from standard input: {e}"),
        })?;
    let value = text.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(CoreError::Invalid {
            field: "secret".into(),
            message: format!(
                "--secret-stdin: standard input held no {kind}. Pipe it in, e.g. `printf %s \"$SECRET\" | cordon profiles add …`."
            ),
        });
    }
    Ok(Secret::new(value))
}
