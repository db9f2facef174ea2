//! A stored value as this instance last read it, for the writes that check in SQL that it is
//! still so rather than read it first (the pacing settings, which recording a LinkedIn touch checks
//! this way).

/// What was read last: nothing yet, or the value (`None`: nothing stored).
#[derive(Debug, Default)]
pub struct Seen(std::sync::Mutex<Option<Option<String>>>);

impl Seen {
    /// What was seen last: `None` when nothing yet, `Some(None)` when nothing is stored.
    pub fn get(&self) -> Option<Option<String>> {
        self.0.lock().map(|seen| seen.clone()).unwrap_or(None)
    }

    /// Remembers what a statement read.
    pub fn set(&self, stored: Option<String>) {
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(stored);
        }
    }
}
