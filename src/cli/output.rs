//! Output for people: local times (columns are aligned with `text::fit`).

use chrono::{DateTime, Local, Utc};

pub fn local_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%d/%m %H:%M").to_string()
}
