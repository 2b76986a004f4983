//! Output for people: aligned columns by display width (Vietnamese, emoji), local times.

use chrono::{DateTime, Local, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::store::MessageRow;

/// `text` cut to `width` display columns (with `…` when cut) and padded to exactly `width`.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total = text.width();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        let room = if total > width { width - 1 } else { width };
        if used + w > room {
            out.push('…');
            used += 1;
            break;
        }
        out.push(c);
        used += w;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

pub fn local_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%d/%m %H:%M").to_string()
}

/// "3 min ago", "in 2 min", "5 h ago", for times near now.
pub fn relative(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - time).num_seconds();
    let (amount, future) = (seconds.unsigned_abs(), seconds < 0);
    let words = match amount {
        0..=59 => format!("{amount} s"),
        60..=3599 => format!("{} min", amount / 60),
        3600..=86_399 => format!("{} h", amount / 3600),
        _ => format!("{} days", amount / 86_400),
    };
    if future {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// What a message shows as text: its words, or a placeholder for a sticker or attachment.
pub fn message_text(message: &MessageRow) -> String {
    let mut parts = Vec::new();
    if !message.text.is_empty() {
        parts.push(message.text.clone());
    }
    if message.sticker.is_some() {
        parts.push("[sticker]".to_owned());
    }
    for attachment in &message.attachments {
        let kind = match attachment.mime_type.as_deref() {
            Some(m) if m.starts_with("image/") => "image",
            Some(m) if m.starts_with("video/") => "video",
            Some(m) if m.starts_with("audio/") => "voice message",
            _ => "file",
        };
        match &attachment.name {
            Some(name) => parts.push(format!("[{kind}: {name}]")),
            None => parts.push(format!("[{kind}]")),
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_display_columns() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("Nguyễn", 6), "Nguyễn");
        assert_eq!(fit("chốt đơn 👍👍", 10), "chốt đơn …");
        assert_eq!(fit("chốt đơn 👍👍", 10).width(), 10);
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(
            relative(now - chrono::Duration::minutes(3), now),
            "3 min ago"
        );
        assert_eq!(
            relative(now + chrono::Duration::minutes(2), now),
            "in 2 min"
        );
        assert_eq!(relative(now - chrono::Duration::hours(5), now), "5 h ago");
    }
}
