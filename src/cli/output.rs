//! Output for people: local times (columns are aligned with `text::fit`), and lines on
//! standard output that survive a reader going away (`pagedesk conversations | head`).

use std::io::Write;

use chrono::{DateTime, Local, Utc};

pub fn local_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%d/%m %H:%M").to_string()
}

/// Writes one line on standard output. When the reader has gone (a closed pipe), the line is
/// dropped rather than the process panicking: reading commands end quietly, and a sync or a
/// reply goes on with its work.
pub fn line(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// `println!` for the commands: see [`line`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::line(format_args!($($arg)*))
    };
}
pub(crate) use out;
