//! Identifiers checked before they reach a URL.
//!
//! Microsoft publishes no grammar for machine ids; every example is 40 hex
//! characters, so that is our contract and we fail closed (check I-3): an id that
//! does not match never leaves the process. Action ids are GUIDs.

use std::fmt;

use crate::Error;

/// A Defender machine id: exactly 40 hexadecimal characters, kept in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct MachineId(String);

impl MachineId {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(Error::InvalidMachineId {
                input: s.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MachineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for MachineId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for MachineId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `8-4-4-4-12` hexadecimal digits, as machine-action ids are.
pub(crate) fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A path segment taken from the caller (a machine name, an alert id): not empty,
/// not `.`/`..`, no control characters, at most 255 bytes. It is still
/// percent-encoded when placed in the URL.
pub(crate) fn is_safe_segment(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s != "." && s != ".." && !s.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn machine_ids() {
        let id = MachineId::parse("1E5BC9D7E413DDD7902C2932E418702B84D0CC07").unwrap();
        assert_eq!(id.as_str(), "1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
        let good = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
        for bad in [
            "",
            &good[..39],
            &format!("{good}0"),
            "../5bc9d7e413ddd7902c2932e418702b84d0cc07",
            "%2e5bc9d7e413ddd7902c2932e418702b84d0cc0",
            "1e5bc9d7e413ddd7902c2932e418702b84d0cc0?",
            "1e5bc9d7e413ddd7902c2932e418702b84d0cc0#",
            " 1e5bc9d7e413ddd7902c2932e418702b84d0cc0",
            "1e5bc9d7e413ddd7902c2932e418702b84d0cc0\n",
            "１e5bc9d7e413ddd7902c2932e418702b84d0cc0",
            "ge5bc9d7e413ddd7902c2932e418702b84d0cc07",
        ] {
            assert_eq!(
                MachineId::parse(bad),
                Err(Error::InvalidMachineId {
                    input: bad.to_owned()
                }),
                "{bad:?} must be refused"
            );
        }
        let json: MachineId = serde_json::from_str(&format!("\"{good}\"")).unwrap();
        assert_eq!(json.to_string(), good);
        assert!(serde_json::from_str::<MachineId>("\"nope\"").is_err());
    }

    #[test]
    fn guids_and_segments() {
        assert!(is_guid("69dc3630-1ea4-4a4a-a5bc-2ee6ce49ed45"));
        assert!(!is_guid("69dc3630-1ea4-4a4a-a5bc-2ee6ce49ed4"));
        assert!(!is_guid("../../machines"));
        assert!(!is_guid("947a677a-a11a-4240-ab6q-91277e2386b9"));
        assert!(is_safe_segment("desktop-39g9tgl.contoso.com"));
        assert!(!is_safe_segment(".."));
        assert!(!is_safe_segment("a\u{0}b"));
        assert!(!is_safe_segment(""));
    }
}
