//! The API test binary: every test starts the real server on a free port with a fresh
//! database, in the mode `OCC_TEST_DB` selects (`file`, the default, or `remote`).

mod access;
mod accounts;
mod backup;
mod batches_of_writes;
mod budgets;
mod channels;
mod contacts;
mod database_token;
mod demo;
mod drafts;
mod enrollments;
mod erasure;
mod export;
mod functions;
mod helpers;
mod hostile_input;
mod http_core;
mod imports;
mod load;
mod migrations;
mod paging;
mod replies;
mod scoring;
mod seed;
mod sender_survives;
mod sending;
mod sending_limits;
mod sequences;
mod server_limits;
mod settings;
mod signals;
mod spa;
mod vercel;
mod workday;
mod worker;
