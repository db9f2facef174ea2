//! A contact's variant in the experiment running on a step, for the tick's step drafts and the
//! drafter: the contact's assignment when there is one (a contact keeps its variant for good),
//! else the sticky draw over the variants' weights ([`stats::assign`]), recorded with
//! `INSERT OR IGNORE` in the draft's own write and read back from the table by the draft, so a
//! race keeps the first assignment.

use serde::Deserialize;

use crate::domain::enums::ExperimentField;
use crate::error::{AppError, AppResult};
use crate::insights::stats;

// The experiment running on step `$step` for contact `$contact` (SQL expressions), as JSON
// ([`Running`]) or NULL: its variants in order and the contact's assignment, if any.
macro_rules! running_experiment_sql {
    ($step:literal, $contact:literal) => {
        concat!(
            "(SELECT json_object('experiment_id', x.id, 'field', x.field, 'assigned', \
               (SELECT a.variant_id FROM experiment_assignments a WHERE a.experiment_id = x.id AND a.contact_id = ",
            $contact,
            "), 'variants', json((SELECT json_group_array(json_object('id', v.id, 'weight', v.weight, 'content', v.content, \
               'instructions', v.instructions)) FROM (SELECT * FROM experiment_variants WHERE experiment_id = x.id \
               ORDER BY position) v))) FROM experiments x WHERE x.step_id = ",
            $step,
            " AND x.status = 'running')"
        )
    };
}
pub(crate) use running_experiment_sql;

/// Records new assignments: `?1` a JSON list of `[experiment, contact, variant]`, `?2` the time.
/// One already there is kept.
pub const RECORD_SQL: &str = "INSERT OR IGNORE INTO experiment_assignments (experiment_id, contact_id, variant_id, \
    assigned_at) SELECT value ->> 0, value ->> 1, value ->> 2, ?2 FROM json_each(?1) WHERE true";

/// The experiment running on a step, as `running_experiment_sql!` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Running {
    /// Its id.
    pub experiment_id: String,
    /// The part of the step its variants replace.
    pub field: ExperimentField,
    /// The contact's variant, when it has one.
    pub assigned: Option<String>,
    /// Its variants, in order.
    pub variants: Vec<Arm>,
}

/// A variant as the draft needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Arm {
    /// Its id.
    pub id: String,
    /// Its weight in the draw.
    pub weight: u32,
    /// The step's subject or body template for it.
    pub content: String,
    /// What the drafter is told to do differently.
    pub instructions: Option<String>,
}

/// A contact's variant: which, and whether the assignment is new (to be recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked<'a> {
    /// The experiment.
    pub experiment_id: &'a str,
    /// The part of the step it replaces.
    pub field: ExperimentField,
    /// The variant.
    pub arm: &'a Arm,
    /// Whether the contact had no assignment yet.
    pub new: bool,
}

impl Running {
    /// Reads the column `running_experiment_sql!` made; NULL is no experiment.
    pub fn decode(json: Option<&str>) -> AppResult<Option<Self>> {
        json.map(|text| {
            serde_json::from_str(text).map_err(|e| AppError::Internal(anyhow::anyhow!("stored experiment: {e}")))
        })
        .transpose()
    }

    /// The contact's variant: its assignment, else the sticky draw over the weights; none when
    /// every weight is 0 (the step's own text is used).
    pub fn pick(&self, contact_id: &str) -> Option<Picked<'_>> {
        let (arm, new) = match &self.assigned {
            Some(id) => (self.variants.iter().find(|v| &v.id == id)?, false),
            None => {
                let weights: Vec<u32> = self.variants.iter().map(|v| v.weight).collect();
                (self.variants.get(stats::assign(&self.experiment_id, contact_id, &weights)?)?, true)
            }
        };
        Some(Picked { experiment_id: &self.experiment_id, field: self.field, arm, new })
    }
}

impl Picked<'_> {
    /// The subject and body templates of the draft: the variant's content in place of the
    /// step's subject or body.
    pub fn templates<'t>(&'t self, subject: Option<&'t str>, body: &'t str) -> (Option<&'t str>, &'t str) {
        match self.field {
            ExperimentField::Subject => (Some(self.arm.content.as_str()), body),
            ExperimentField::Body => (subject, self.arm.content.as_str()),
        }
    }

    /// The assignment to record, `[experiment, contact, variant]`, when it is new.
    pub fn record(&self, contact_id: &str) -> Option<serde_json::Value> {
        self.new.then(|| serde_json::json!([self.experiment_id, contact_id, self.arm.id]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(assigned: Option<&str>, weights: &[u32]) -> Running {
        Running {
            experiment_id: "exp".to_owned(),
            field: ExperimentField::Body,
            assigned: assigned.map(str::to_owned),
            variants: weights
                .iter()
                .enumerate()
                .map(|(i, w)| Arm { id: format!("v{i}"), weight: *w, content: format!("text {i}"), instructions: None })
                .collect(),
        }
    }

    #[test]
    fn an_assignment_wins_over_the_draw_and_zero_weights_draw_nothing() {
        let x = running(Some("v1"), &[1, 0]);
        let picked = x.pick("c").expect("assigned");
        assert_eq!((picked.arm.id.as_str(), picked.new), ("v1", false));
        assert_eq!(picked.record("c"), None);
        assert_eq!(running(None, &[0, 0]).pick("c"), None);
        let drawn = running(None, &[0, 5]);
        let picked = drawn.pick("c").expect("drawn");
        assert_eq!((picked.arm.id.as_str(), picked.new), ("v1", true));
        assert_eq!(picked.record("c"), Some(serde_json::json!(["exp", "c", "v1"])));
        assert_eq!(picked.templates(Some("S"), "B"), (Some("S"), "text 1"));
    }

    #[test]
    fn the_draw_is_sticky() {
        let x = running(None, &[1, 1, 1]);
        for contact in ["a", "b", "c", "d"] {
            assert_eq!(x.pick(contact).map(|p| p.arm.id.clone()), x.pick(contact).map(|p| p.arm.id.clone()));
        }
    }
}
