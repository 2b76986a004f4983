//! The time the screen is drawn at, and the zone it shows times in: the local zone for people,
//! a fixed one for tests, so that a screen is the same wherever it is drawn.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Offset, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: DateTime<Utc>,
    pub zone: FixedOffset,
}

impl Clock {
    pub fn local() -> Clock {
        let now = Utc::now();
        Clock {
            now,
            zone: now.with_timezone(&Local).offset().fix(),
        }
    }

    /// "14:05" in the shown zone.
    pub fn hm(&self, time: DateTime<Utc>) -> String {
        time.with_timezone(&self.zone).format("%H:%M").to_string()
    }

    pub fn date(&self, time: DateTime<Utc>) -> NaiveDate {
        time.with_timezone(&self.zone).date_naive()
    }

    pub fn today(&self) -> NaiveDate {
        self.date(self.now)
    }

    /// "Today 14:05", "Monday 23 Nov 09:12": a moment further back than a chat's day.
    pub fn stamp(&self, tr: crate::i18n::Tr, time: DateTime<Utc>) -> String {
        format!(
            "{} {}",
            tr.day(self.date(time), self.today()),
            self.hm(time)
        )
    }

    /// Seconds from `time` to now.
    pub fn since(&self, time: DateTime<Utc>) -> i64 {
        (self.now - time).num_seconds()
    }
}
