//! Contacts: the people OCC prospects. (Issue 4 builds the API on these rules.)

pub mod persona;
pub mod stage;
