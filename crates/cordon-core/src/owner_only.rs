//! Cordon's files are the user's alone: the data folder and its `stores/` and `demo/`
//! folders are created `0700`, the store, `profiles.json` and the log `0600` on Linux
//! and macOS, whatever the umask (they name machines, people and tenants). On Windows
//! the files live under the user's profile (`%APPDATA%`, `%LOCALAPPDATA%`), whose
//! default ACL already grants only the user, SYSTEM and administrators.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` and its missing parents, each new one owner-only.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens (creating if missing) `path` for appending, owner-only when created.
pub fn append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates (or truncates) `path` for writing, owner-only when created.
pub fn create(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes an existing file owner-only (a file another program created, e.g. SQLite's).
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_the_owners_alone() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("a").join("b");
        create_dir_all(&dir).expect("dirs");
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let log = dir.join("cordon.log");
        drop(append(&log).expect("log"));
        assert_eq!(mode(&log), 0o600);
        let f = dir.join("profiles.json");
        drop(create(&f).expect("file"));
        assert_eq!(mode(&f), 0o600);
        let other = dir.join("other");
        std::fs::write(&other, b"x").expect("write");
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        restrict(&other).expect("restrict");
        assert_eq!(mode(&other), 0o600);
    }
}
