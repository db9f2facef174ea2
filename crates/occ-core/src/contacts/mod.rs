//! The contacts family (`api/contacts.rs`): the people OCC prospects (routes, the resource and
//! its rules, the pipeline board), their ICP score (`scoring`), and the ways they come and go in
//! number: CSV import (`imports`), export (`export`) and prospect lists (`batches`).

pub(crate) mod actions;
pub mod batches;
pub mod erase;
pub mod erased;
pub mod export;
pub(crate) mod handlers;
pub mod imports;
pub(crate) mod input;
pub mod list;
pub mod persona;
pub(crate) mod pipeline;
pub mod reach;
pub mod repo;
pub mod scoring;
pub mod stage;

use crate::access::Access::Signed;
use crate::access::Action::{DeleteData, Erase, ReadData, WriteData};
use crate::handler;
use crate::http::Routes;

pub use input::{ContactChanges, ContactFields, CreateContact, PatchContact, normalise_linkedin_profile};
pub use repo::{AccountSummary, Contact};

/// The contacts family's routes.
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/contacts", Signed(WriteData), handler!(handlers::create))
        .post("/api/v1/contacts/bulk", Signed(WriteData), handler!(actions::bulk_update))
        .post("/api/v1/contacts/{id}/stage", Signed(WriteData), handler!(actions::move_stage))
        .post("/api/v1/contacts/{id}/erase", Signed(Erase), handler!(erase::erase))
        .get("/api/v1/contacts/{id}/score-history", Signed(ReadData), handler!(handlers::score_history))
        .get("/api/v1/contacts", Signed(ReadData), handler!(handlers::list))
        .get("/api/v1/contacts/{id}", Signed(ReadData), handler!(handlers::get))
        .patch("/api/v1/contacts/{id}", Signed(WriteData), handler!(handlers::update))
        .delete("/api/v1/contacts/{id}", Signed(DeleteData), handler!(handlers::delete))
        .get("/api/v1/pipeline", Signed(ReadData), handler!(pipeline::board))
        .merge(export::routes())
        .merge(imports::routes())
        .merge(batches::routes())
}
