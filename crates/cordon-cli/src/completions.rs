//! `cordon completions powershell|bash|zsh|fish|elvish`: the shell's completion script
//! (clap_complete) on stdout.
//!
//! The script is ASCII only: the help texts' typographic quotes, dashes and ellipses
//! become their ASCII forms before it is generated (so each shell's own quoting of
//! the descriptions still applies). Windows PowerShell 5.1 reads a script without a
//! byte order mark in the ANSI code page, and takes `‘’“”` for quotes, so UTF-8 text in
//! it would show as mojibake or break the script.

use std::io::Write;

use clap::{Command, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;

/// Writes `shell`'s completion script for `cordon` to stdout.
pub fn print(shell: Shell) {
    let mut cmd = plain(Cli::command());
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cordon", &mut script);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(&script).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("cordon: could not write the completion script: {e}");
    }
}

/// `cmd` with every about and help text made ASCII, its subcommands too.
fn plain(cmd: Command) -> Command {
    let about = cmd.get_about().map(|s| ascii_text(&s.to_string()));
    let long_about = cmd.get_long_about().map(|s| ascii_text(&s.to_string()));
    let mut cmd = cmd.mut_args(|arg| {
        let help = arg.get_help().map(|s| ascii_text(&s.to_string()));
        let long_help = arg.get_long_help().map(|s| ascii_text(&s.to_string()));
        let arg = match help {
            Some(h) => arg.help(h),
            None => arg,
        };
        match long_help {
            Some(h) => arg.long_help(h),
            None => arg,
        }
    });
    if let Some(a) = about {
        cmd = cmd.about(a);
    }
    if let Some(a) = long_about {
        cmd = cmd.long_about(a);
    }
    cmd.mut_subcommands(plain)
}

/// ASCII forms of the typography Cordon's help uses; anything else becomes `?`.
pub fn ascii_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '“' | '”' | '„' | '«' | '»' => out.push('"'),
            '‘' | '’' | '‚' => out.push('\''),
            '…' => out.push_str("..."),
            '—' | '–' | '−' => out.push('-'),
            '→' => out.push_str("->"),
            '\u{a0}' => out.push(' '),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_is_ascii_and_names_the_commands() {
        for shell in [Shell::PowerShell, Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut cmd = plain(Cli::command());
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "cordon", &mut script);
            assert!(script.is_ascii(), "{shell}");
            let text = String::from_utf8_lossy(&script);
            for word in [
                "isolate",
                "approvals",
                "completions",
                "from-file",
                "dry-run",
            ] {
                assert!(text.contains(word), "{shell}: {word}");
            }
        }
    }

    #[test]
    fn typography_becomes_ascii() {
        assert_eq!(ascii_text("“x” — it’s … café"), "\"x\" - it's ... caf?");
    }
}
