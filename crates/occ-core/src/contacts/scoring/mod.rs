//! The ICP model (SPEC.md section 2): how well a contact fits the ideal customer profile, as a
//! 0-100 score with the contribution of every factor. Transparent on purpose: each factor's
//! weight is a number of points, each fit a fraction, and the factors add up to the score.
//!
//! The model's settings (`config`: weights and the ideal customer) and its arithmetic
//! (`compute`: each factor's fit and the score) have files of their own.

mod compute;
mod config;
pub mod recompute;
pub mod sql;

pub use compute::{Inputs, Scored, SignalInput, age_days, fits, half_life_decay, score};
pub use config::{IcpConfig, SizeRange, Weights};

crate::closed_enum! {
    /// One part of the score.
    pub enum Factor {
        Industry => "industry",
        Seniority => "seniority",
        Department => "department",
        CompanySize => "company_size",
        Signals => "signals",
        Engagement => "engagement",
    }
}
