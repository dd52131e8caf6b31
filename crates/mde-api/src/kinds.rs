//! The string enums of the wire (action type, status, health, …).
//!
//! Microsoft adds values without notice and its pages disagree on casing
//! (`onboarded` vs `Onboarded`), so every enum matches case-insensitively and
//! keeps any unknown value as `Other(String)`: a new value is shown, never fatal.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this client does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known value, in documentation order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }

            /// Parse a wire value (case-insensitive); unknown values become `Other`.
            pub fn parse(s: &str) -> Self {
                $(if s.eq_ignore_ascii_case($text) { return $name::$variant; })+
                $name::Other(s.to_owned())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

string_enum!(
    /// `MachineAction.type`.
    ActionType {
        RunAntiVirusScan => "RunAntiVirusScan",
        Offboard => "Offboard",
        LiveResponse => "LiveResponse",
        CollectInvestigationPackage => "CollectInvestigationPackage",
        Isolate => "Isolate",
        Unisolate => "Unisolate",
        StopAndQuarantineFile => "StopAndQuarantineFile",
        RestrictCodeExecution => "RestrictCodeExecution",
        UnrestrictCodeExecution => "UnrestrictCodeExecution",
    }
);

string_enum!(
    /// `MachineAction.status`.
    ActionStatus {
        Pending => "Pending",
        InProgress => "InProgress",
        Succeeded => "Succeeded",
        Failed => "Failed",
        TimeOut => "TimeOut",
        Cancelled => "Cancelled",
    }
);

impl ActionStatus {
    /// `Succeeded`, `Failed`, `TimeOut` or `Cancelled`: nothing more will happen.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ActionStatus::Succeeded
                | ActionStatus::Failed
                | ActionStatus::TimeOut
                | ActionStatus::Cancelled
        )
    }
}

string_enum!(
    /// `Machine.healthStatus`.
    HealthStatus {
        Active => "Active",
        Inactive => "Inactive",
        ImpairedCommunication => "ImpairedCommunication",
        NoSensorData => "NoSensorData",
        NoSensorDataImpairedCommunication => "NoSensorDataImpairedCommunication",
        Unknown => "Unknown",
    }
);

// Written out: the enum comes from a macro that has no `#[default]` slot.
#[allow(clippy::derivable_impls)]
impl Default for HealthStatus {
    fn default() -> Self {
        HealthStatus::Unknown
    }
}

string_enum!(
    /// `Machine.riskScore`.
    RiskScore {
        None => "None",
        Informational => "Informational",
        Low => "Low",
        Medium => "Medium",
        High => "High",
    }
);

string_enum!(
    /// `Machine.exposureLevel`.
    ExposureLevel {
        None => "None",
        Low => "Low",
        Medium => "Medium",
        High => "High",
    }
);

string_enum!(
    /// `Machine.deviceValue`.
    DeviceValue {
        Normal => "Normal",
        Low => "Low",
        High => "High",
    }
);

string_enum!(
    /// `Machine.onboardingStatus` (documented as `onboarded`, sent as `Onboarded`).
    OnboardingStatus {
        Onboarded => "Onboarded",
        CanBeOnboarded => "CanBeOnboarded",
        Unsupported => "Unsupported",
        InsufficientInfo => "InsufficientInfo",
    }
);

string_enum!(
    /// `Alert.severity`.
    AlertSeverity {
        UnSpecified => "UnSpecified",
        Informational => "Informational",
        Low => "Low",
        Medium => "Medium",
        High => "High",
    }
);

string_enum!(
    /// `Alert.status`.
    AlertStatus {
        Unknown => "Unknown",
        New => "New",
        InProgress => "InProgress",
        Resolved => "Resolved",
    }
);

/// How a machine is cut off (`IsolationType` in the isolate request body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum IsolationType {
    /// Everything but the Defender service is blocked.
    Full,
    /// Admin-chosen communication (historically Outlook/Teams) is let through.
    Selective,
}

impl IsolationType {
    pub fn as_str(self) -> &'static str {
        match self {
            IsolationType::Full => "Full",
            IsolationType::Selective => "Selective",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn known_unknown_and_casing() {
        assert_eq!(ActionType::parse("Isolate"), ActionType::Isolate);
        assert_eq!(ActionType::parse("isolate"), ActionType::Isolate);
        assert_eq!(
            ActionType::parse("ContainDevice"),
            ActionType::Other("ContainDevice".into())
        );
        assert_eq!(ActionType::Other("X".into()).as_str(), "X");
        assert_eq!(
            OnboardingStatus::parse("onboarded"),
            OnboardingStatus::Onboarded
        );
        for s in ActionStatus::KNOWN {
            assert_eq!(&ActionStatus::parse(s.as_str()), s);
        }
        assert!(ActionStatus::TimeOut.is_final());
        assert!(!ActionStatus::InProgress.is_final());
        let v: HealthStatus = serde_json::from_str("\"Retired\"").unwrap();
        assert_eq!(v, HealthStatus::Other("Retired".into()));
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"Retired\"");
        assert_eq!(
            serde_json::to_string(&IsolationType::Selective).unwrap(),
            "\"Selective\""
        );
    }
}
