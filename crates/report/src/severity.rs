//! How serious a finding is: the one scale of every check jailwright makes (profile lint,
//! plugin source scan). What each level means for a kind of check is said by that check's rules.

use std::fmt;

/// How serious a finding is, most serious first (`Error < Warning < Info` as ordered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Broken or unsafe as it stands: act on it before use.
    Error,
    /// Probably not what was meant, or a real widening of what can happen: worth a look.
    Warning,
    /// Worth knowing; often intentional.
    Info,
}

impl Severity {
    /// The lower-case name (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Severity;

    #[test]
    fn names_order_and_json_agree() {
        let all = [Severity::Error, Severity::Warning, Severity::Info];
        let names: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["error", "warning", "info"]);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        for s in all {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }
}
