//! Message drafts: written by people or by the drafter from a step's template, reviewed, and
//! approved by a person (or by autopilot) before anything is sent.

pub mod review;
