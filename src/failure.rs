//! Errors of a run and their exit status: 2 for invalid input or config, 1 for anything else.

use std::fmt;

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Invalid input or config: exit 2.
    pub fn input(message: impl fmt::Display) -> Self {
        Failure { code: 2, message: message.to_string() }
    }
    /// Anything else (a failed write, a bug): exit 1.
    pub fn other(message: impl fmt::Display) -> Self {
        Failure { code: 1, message: message.to_string() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<dianzhi_columnar::Error> for Failure {
    fn from(e: dianzhi_columnar::Error) -> Self {
        match e {
            dianzhi_columnar::Error::Input(e) => Failure::input(e),
            e @ dianzhi_columnar::Error::Output { .. } => Failure::other(e),
        }
    }
}

impl From<dianzhi_columnar::InputError> for Failure {
    fn from(e: dianzhi_columnar::InputError) -> Self {
        Failure::input(e)
    }
}

impl From<dianzhi_core::taiwan::clearing::ClearingError> for Failure {
    fn from(e: dianzhi_core::taiwan::clearing::ClearingError) -> Self {
        Failure::input(e)
    }
}

impl From<dianzhi_core::dip::clearing::DipError> for Failure {
    fn from(e: dianzhi_core::dip::clearing::DipError) -> Self {
        Failure::input(e)
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl From<dianzhi_core::engine::attribution::ScenarioError> for Failure {
    fn from(e: dianzhi_core::engine::attribution::ScenarioError) -> Self {
        Failure::input(e)
    }
}

impl From<dianzhi_analysis::Error> for Failure {
    fn from(e: dianzhi_analysis::Error) -> Self {
        match e {
            e @ (dianzhi_analysis::Error::Input(_) | dianzhi_analysis::Error::TooLarge(_)) => Failure::input(e),
            dianzhi_analysis::Error::Columnar(e) => Failure::from(e),
            e => Failure::other(e),
        }
    }
}
