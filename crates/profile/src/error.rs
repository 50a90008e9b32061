//! Errors for bad profile input.

/// A problem at one place in a profile, before the input's name is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The JSON path (`$.syscalls[3].args[0].op`).
    pub path: String,
    /// What was expected there.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// How to fix it.
    pub hint: String,
}

impl Problem {
    /// Builds a problem.
    pub fn new(path: &str, expected: &str, found: &str, hint: &str) -> Problem {
        Problem {
            path: path.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
            hint: hint.to_string(),
        }
    }

    /// Attaches the input's name.
    pub fn at(self, origin: &str, _text: &str) -> ParseError {
        ParseError::Invalid {
            origin: origin.to_string(),
            problem: Box::new(self),
        }
    }
}

/// Why a profile could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is not JSON.
    #[error("{origin}:{line}:{column}: invalid JSON: {message}; fix the syntax at that position")]
    Syntax {
        /// The input's name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// The JSON is not a valid profile.
    #[error("{origin}: at {}: expected {}, {}; {}", problem.path, problem.expected, problem.found, problem.hint)]
    Invalid {
        /// The input's name.
        origin: String,
        /// Where and what.
        problem: Box<Problem>,
    },
    /// The file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `NAME@RELEASE` names no release of a built-in engine default.
    #[error(transparent)]
    Version(#[from] crate::catalogue::history::VersionError),
    /// A name is neither a built-in profile nor a readable file.
    #[error("no built-in profile or file named `{name}`; built-in profiles: {known}")]
    UnknownProfile {
        /// What was asked for.
        name: String,
        /// The built-in names.
        known: String,
    },
}
