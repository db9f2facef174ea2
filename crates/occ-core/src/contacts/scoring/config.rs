//! The ICP model's settings: the points each factor can give and what the ideal customer looks
//! like, with the checks a saved model must pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Factor;
use crate::domain::enums::{Department, Seniority};
use crate::error::{AppError, AppResult, FieldError};

/// The points each factor can give; they add up to 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Weights {
    pub industry: u32,
    pub seniority: u32,
    pub department: u32,
    pub company_size: u32,
    pub signals: u32,
    pub engagement: u32,
}

impl Weights {
    /// The points `factor` can give.
    pub(super) fn of(&self, factor: Factor) -> u32 {
        match factor {
            Factor::Industry => self.industry,
            Factor::Seniority => self.seniority,
            Factor::Department => self.department,
            Factor::CompanySize => self.company_size,
            Factor::Signals => self.signals,
            Factor::Engagement => self.engagement,
        }
    }
}

/// The head count the profile looks for; outside it the fit falls off in proportion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SizeRange {
    /// The smallest ideal company.
    pub min: i64,
    /// The largest ideal company.
    pub max: i64,
}

/// The whole model: weights and what the ideal customer looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IcpConfig {
    /// Points per factor (adding up to 100).
    pub weights: Weights,
    /// Industries that fit (any case).
    pub target_industries: Vec<String>,
    /// Sub-industries that fit best (any case).
    pub target_sub_industries: Vec<String>,
    /// Departments that buy.
    pub target_departments: Vec<Department>,
    /// How much of the seniority points each seniority earns, in percent.
    #[schema(value_type = Object)]
    pub seniority_fit: BTreeMap<Seniority, u32>,
    /// The ideal head count.
    pub company_size: SizeRange,
    /// After this many days a signal counts half as much.
    pub signal_half_life_days: f64,
}

impl Default for IcpConfig {
    fn default() -> Self {
        let seniority_fit = [
            (Seniority::CLevel, 100),
            (Seniority::Vp, 90),
            (Seniority::Director, 75),
            (Seniority::Manager, 50),
            (Seniority::Senior, 25),
            (Seniority::Entry, 10),
            (Seniority::Unknown, 0),
        ]
        .into_iter()
        .collect();
        Self {
            weights: Weights {
                industry: 20,
                seniority: 20,
                department: 15,
                company_size: 15,
                signals: 20,
                engagement: 10,
            },
            target_industries: Vec::new(),
            target_sub_industries: Vec::new(),
            target_departments: vec![Department::Sales, Department::Operations, Department::Executive],
            seniority_fit,
            company_size: SizeRange { min: 50, max: 1000 },
            signal_half_life_days: 30.0,
        }
    }
}

impl IcpConfig {
    /// Checks the model; the error names every field at fault.
    pub fn validate(&self) -> AppResult<()> {
        let mut errors = Vec::new();
        let w = &self.weights;
        let total = w.industry + w.seniority + w.department + w.company_size + w.signals + w.engagement;
        if total != 100 {
            errors.push(FieldError::new("weights", "sum", format!("must add up to 100, not {total}")));
        }
        if self.seniority_fit.values().any(|p| *p > 100) {
            errors.push(FieldError::new("seniority_fit", "range", "each must be from 0 to 100 (percent)"));
        }
        if self.company_size.min < 0 || self.company_size.min > self.company_size.max {
            errors.push(FieldError::new("company_size", "range", "needs 0 <= min <= max"));
        }
        if !(1.0..=3650.0).contains(&self.signal_half_life_days) {
            errors.push(FieldError::new("signal_half_life_days", "range", "must be from 1 to 3650 days"));
        }
        for (field, list) in
            [("target_industries", &self.target_industries), ("target_sub_industries", &self.target_sub_industries)]
        {
            if list.len() > 200 || list.iter().any(|t| t.trim().is_empty() || t.chars().count() > 100) {
                errors.push(FieldError::new(field, "format", "at most 200 names of 1-100 characters"));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_is_valid_and_bad_ones_name_their_fields() {
        assert!(IcpConfig::default().validate().is_ok());
        let mut bad = IcpConfig::default();
        bad.weights.industry = 50;
        bad.company_size = SizeRange { min: 10, max: 5 };
        bad.signal_half_life_days = 0.0;
        let Err(AppError::Validation(fields)) = bad.validate() else { panic!("422") };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["weights", "company_size", "signal_half_life_days"]);
    }
}
