//! `cordon signin`: delegated sign-in for a browser or device-code profile. The URL
//! (or device code) is printed on standard error; open it in any browser. The refresh
//! token goes to the OS credential store (exit 4 if it cannot be used).

use std::path::PathBuf;

use cordon_core::signin::{self, SignInPrompt};
use cordon_core::{CoreError, Result};

use crate::output;

pub async fn run(profile: Option<&str>, json: bool, data_dir: Option<PathBuf>) -> Result<()> {
    let store = cordon_core::tenant::cli_profiles(data_dir)?;
    let name = match profile {
        Some(name) => store.get(name)?.name,
        None => store.active()?.ok_or(CoreError::NoTenant)?.name,
    };
    let view = signin::sign_in(&store, &name, |prompt| match prompt {
        SignInPrompt::OpenBrowser { url } => {
            eprintln!("Open this address in your browser to sign in (waiting up to 5 minutes):");
            eprintln!("  {url}");
        }
        SignInPrompt::DeviceCode {
            message,
            user_code,
            verification_uri,
            ..
        } => {
            eprintln!("{message}");
            eprintln!("  address: {verification_uri}\n  code:    {user_code}");
        }
    })
    .await?;
    output::profile(json, &view);
    Ok(())
}
