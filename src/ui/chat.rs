//! The chat pane's lines: day separators, the "new messages" divider, who wrote and when, send
//! state, and text wrapped by display width (Vietnamese, emoji).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::app::App;
use super::clock::Clock;
use super::pictures::{PictureState, Pictures, half_blocks, pictures_of};
use super::theme::Theme;
use crate::i18n::{S, Tr};
use crate::keymap::{Action, Mode};
use crate::model::{Direction, PageId, SendStatus};
use crate::store::MessageRow;

/// Splits `text` into lines at most `width` columns wide, at spaces where it can, inside a word
/// where the word alone is wider than the line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ') {
            let word_width = word.width();
            let gap = usize::from(!line.is_empty());
            if used + gap + word_width <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                used += gap + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            for c in word.chars() {
                let w = c.width().unwrap_or(0);
                if used + w > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += w;
            }
        }
        lines.push(line);
    }
    lines
}

fn separator(label: &str, width: usize) -> String {
    let label = format!(" {label} ");
    let side = width.saturating_sub(label.width()) / 2;
    format!("{}{label}{}", "─".repeat(side), "─".repeat(side))
}

/// The lines of a conversation, and the first line of the message to show (a search hit).
pub struct ChatLines {
    pub lines: Vec<Line<'static>>,
    pub highlighted_line: Option<usize>,
    /// Where pictures are drawn as half blocks: a terminal that draws pictures itself puts
    /// them over those cells.
    pub pictures: Vec<PicturePlace>,
}

/// A picture's cells among the chat's lines: `rows` lines from `line`, `columns` wide after
/// the two-column indent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PicturePlace {
    pub key: String,
    pub line: usize,
    pub columns: u16,
    pub rows: u16,
}

pub struct ChatView<'a> {
    pub messages: &'a [MessageRow],
    /// Index of the first message that was unread when the conversation was opened.
    pub new_from: Option<usize>,
    /// Row of a message to highlight.
    pub highlight: Option<i64>,
    pub width: usize,
    /// The key that retries a failed reply, if any is bound.
    pub retry_key: Option<String>,
    pub tr: Tr,
    pub theme: Theme,
    pub clock: Clock,
    /// The conversation's page, and the pictures the engine reported.
    pub page_id: &'a PageId,
    pub pictures: &'a Pictures,
    /// Where the buyer came from (an ad, a link), worded: the chat's first line, and the ad's
    /// photo under it.
    pub origin: Option<String>,
    pub origin_photo: Option<crate::model::PictureWanted>,
}

impl ChatView<'_> {
    pub fn lines(&self) -> ChatLines {
        let (tr, theme) = (self.tr, self.theme);
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut highlighted_line = None;
        let mut pictures = Vec::new();
        let mut last_day = None;
        if let Some(origin) = &self.origin {
            for text in wrap(origin, self.width.saturating_sub(2)) {
                lines.push(Line::styled(format!("  {text}"), theme.unread()));
            }
            if let Some(photo) = &self.origin_photo {
                self.place_picture(&photo.key(), &mut lines, &mut pictures);
            }
        }
        for (index, message) in self.messages.iter().enumerate() {
            // Marks of messages Facebook no longer details stand as one line per run.
            if message.unavailable && index > 0 && self.messages[index - 1].unavailable {
                continue;
            }
            let day = self.clock.date(message.created_time);
            if last_day != Some(day) {
                let label = tr.day(day, self.clock.today());
                lines.push(Line::styled(separator(&label, self.width), theme.dim()));
                last_day = Some(day);
            }
            if self.new_from == Some(index) {
                let count = self.messages[index..]
                    .iter()
                    .filter(|m| m.direction == Direction::In)
                    .count()
                    .to_string();
                let label = tr.f(S::NewMessages, &[&count]);
                lines.push(Line::styled(separator(&label, self.width), theme.unread()));
            }
            let time = self.clock.hm(message.created_time);
            if message.unavailable {
                // Nobody known to have written them: only their times, and where to read them.
                let run = &self.messages[index..];
                let count = run.iter().take_while(|m| m.unavailable).count();
                let text = match count {
                    1 => format!("{time} {}", super::words::message_text(tr, message)),
                    _ => {
                        let last = self.clock.hm(run[count - 1].created_time);
                        let many = tr.f(S::UnavailableMany, &[&count]);
                        format!("{time}–{last} [{many}]")
                    }
                };
                for text in wrap(&text, self.width.saturating_sub(2)) {
                    lines.push(Line::styled(format!("  {text}"), theme.spam()));
                }
                continue;
            }
            // A buyer writing several messages in a row within a minute: one header for them.
            let continues = index > 0 && {
                let before = &self.messages[index - 1];
                message.direction == Direction::In
                    && before.direction == Direction::In
                    && !before.unavailable
                    && before.from_name == message.from_name
                    && message.edit_count == 0
                    && self.new_from != Some(index)
                    && self.clock.date(before.created_time) == day
                    && (message.created_time - before.created_time).num_seconds() < 60
            };
            let (arrow, style) = match message.direction {
                Direction::In => ("←", theme.incoming()),
                Direction::Out => ("→", theme.outgoing()),
            };
            let mut header = vec![
                Span::styled(
                    match &message.sent_by {
                        Some(staff) => format!("{arrow} {} ({staff})", message.from_name),
                        None => format!("{arrow} {}", message.from_name),
                    },
                    style,
                ),
                Span::styled(format!(" · {time}"), theme.dim()),
            ];
            // The short state goes on the header, first after the time (a narrow chat cuts the
            // marks after it, never it); a reason, which may be long, under the text.
            let mut reason = None;
            if message.direction == Direction::Out {
                let state = match (message.status, &message.error) {
                    (SendStatus::Sent, _) => {
                        Span::styled(format!(" ✓ {}", tr.t(S::Sent)), theme.ok())
                    }
                    (SendStatus::Pending, _) if message.withdrawn => {
                        reason = Some((format!("⟲ {}", tr.t(S::WithdrawnWhy)), theme.dim()));
                        Span::styled(format!(" ⟲ {}", tr.t(S::Withdrawn)), theme.dim())
                    }
                    (SendStatus::Pending, None) => {
                        Span::styled(format!(" {}", tr.t(S::Sending)), theme.dim())
                    }
                    (SendStatus::Pending, Some(why)) => {
                        let why = tr.reply_problem(message.problem, why, |t| self.clock.hm(t));
                        reason = Some((tr.f(S::Pending, &[&why]), theme.spam()));
                        // Held back (Facebook down, a limit, a restriction): not on its way yet.
                        Span::styled(format!(" {}", tr.t(S::WaitingToSend)), theme.spam())
                    }
                    (SendStatus::Failed, why) => {
                        let why =
                            tr.reply_problem(message.problem, why.as_deref().unwrap_or("?"), |t| {
                                self.clock.hm(t)
                            });
                        let why = tr.f(S::Failed, &[&why]);
                        let text = match &self.retry_key {
                            Some(key) if message.retry_possible => {
                                format!("✗ {why} · {}", tr.f(S::RetryHint, &[key]))
                            }
                            _ => format!("✗ {why}"),
                        };
                        reason = Some((text, theme.error()));
                        Span::styled(" ✗", theme.error())
                    }
                };
                header.push(state);
            }
            let hidden = match (message.removed, message.hidden_for_phone, message.hidden) {
                (true, _, _) => None,
                (false, true, _) => Some(S::HiddenForPhoneMark),
                (false, false, true) => Some(S::HiddenMark),
                (false, false, false) => None,
            };
            if let Some(mark) = hidden {
                header.push(Span::styled(format!(" · {}", tr.t(mark)), theme.dim()));
            }
            let way = match (message.private_reply, message.public_reply) {
                (true, _) => Some(S::PrivateMark),
                (false, true) => Some(S::PublicMark),
                (false, false) => None,
            };
            if let Some(way) = way {
                header.push(Span::styled(format!(" · {}", tr.t(way)), theme.dim()));
            }
            if message.liked && !message.removed {
                header.push(Span::styled(
                    format!(" · {}", tr.t(S::LikedMark)),
                    theme.dim(),
                ));
            }
            if message.edit_count > 0 && !message.removed {
                header.push(Span::styled(format!(" · {}", tr.t(S::Edited)), theme.dim()));
            }
            if self.highlight == Some(message.row) {
                highlighted_line = Some(lines.len());
            }
            if !continues {
                lines.push(Line::from(header));
            }
            if let Some(quoted) = &message.reply_to {
                let answering = match (&quoted.from_name, &quoted.text) {
                    (Some(from), Some(text)) if !text.is_empty() => {
                        let text = crate::text::fit(&text.replace('\n', " "), 50);
                        tr.f(S::Answering, &[from, &text.trim_end()])
                    }
                    _ => tr.t(S::AnsweringEarlier).to_owned(),
                };
                for text in wrap(&answering, self.width.saturating_sub(2)) {
                    lines.push(Line::styled(format!("  {text}"), theme.dim()));
                }
            }
            let body_style = if self.highlight == Some(message.row) {
                theme.highlight()
            } else {
                theme.normal()
            };
            let body = super::words::message_text(tr, message);
            let body_style = if message.removed {
                theme.dim()
            } else {
                body_style
            };
            for text in wrap(&body, self.width.saturating_sub(2)) {
                lines.push(with_phones(&format!("  {text}"), body_style, theme.phone()));
            }
            if !message.reactions.is_empty() {
                lines.push(Line::styled(
                    format!("  {}", message.reactions.join(" ")),
                    theme.dim(),
                ));
            }
            for picture in pictures_of(message, self.page_id) {
                self.place_picture(&picture.key(), &mut lines, &mut pictures);
            }
            if let Some((reason, style)) = reason {
                for text in wrap(&reason, self.width.saturating_sub(2)) {
                    lines.push(Line::styled(format!("  {text}"), style));
                }
            }
        }
        ChatLines {
            lines,
            highlighted_line,
            pictures,
        }
    }
}

impl ChatView<'_> {
    /// Adds a picture's lines, and where a terminal that draws pictures puts it.
    fn place_picture(
        &self,
        key: &str,
        lines: &mut Vec<Line<'static>>,
        pictures: &mut Vec<PicturePlace>,
    ) {
        let drawn = self.picture_lines(key);
        if let Some(Line { spans, .. }) = drawn.first()
            && matches!(self.pictures.get(key), Some(PictureState::Ready(_)))
        {
            // The indent is the first span; the picture's cells follow.
            pictures.push(PicturePlace {
                key: key.to_owned(),
                line: lines.len(),
                columns: spans.len().saturating_sub(1) as u16,
                rows: drawn.len() as u16,
            });
        }
        lines.extend(drawn);
    }

    /// A picture under its message: drawn when it is here and the terminal has colour, else
    /// where it stands.
    fn picture_lines(&self, key: &str) -> Vec<Line<'static>> {
        let (tr, theme) = (self.tr, self.theme);
        let said = |text: String| {
            wrap(&text, self.width.saturating_sub(2))
                .into_iter()
                .map(|line| Line::styled(format!("  {line}"), theme.dim()))
                .collect()
        };
        match self.pictures.get(key) {
            Some(PictureState::Ready(picture)) if theme.has_colour() => {
                let columns = self.width.saturating_sub(4).min(PICTURE_COLUMNS) as u16;
                half_blocks(picture, columns, PICTURE_ROWS)
                    .into_iter()
                    .map(|line| {
                        let mut spans = vec![Span::raw("  ")];
                        spans.extend(line.spans);
                        Line::from(spans)
                    })
                    .collect()
            }
            Some(PictureState::Ready(_)) => Vec::new(),
            Some(PictureState::Failed(why)) => said(tr.f(S::PictureFailed, &[why])),
            Some(PictureState::Loading) | None => said(tr.t(S::PictureLoading).to_owned()),
        }
    }
}

/// How large a picture is drawn in the chat, at most: a glance, with `v` for the whole pane.
const PICTURE_COLUMNS: usize = 32;
const PICTURE_ROWS: u16 = 8;

/// A line of a message with its phone numbers set apart (`P` copies the newest).
fn with_phones(text: &str, style: Style, phone: Style) -> Line<'static> {
    let mut spans = Vec::new();
    let mut from = 0;
    for (range, _) in crate::text::phone_numbers(text) {
        spans.push(Span::styled(text[from..range.start].to_owned(), style));
        spans.push(Span::styled(
            text[range.clone()].to_owned(),
            style.patch(phone),
        ));
        from = range.end;
    }
    spans.push(Span::styled(text[from..].to_owned(), style));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_counts_display_columns_and_keeps_words_whole() {
        assert_eq!(wrap("Dạ shop còn hàng ạ", 10), ["Dạ shop", "còn hàng ạ"]);
        assert_eq!(wrap("👍👍👍👍👍", 4), ["👍👍", "👍👍", "👍"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        for line in wrap(
            "Chúc mừng năm mới 🎉 shop ơi, áo khoác dạ còn size M không ạ?",
            12,
        ) {
            assert!(line.width() <= 12, "{line}");
        }
    }

    #[test]
    fn phone_numbers_in_a_message_stand_out_even_without_colour() {
        let theme = Theme::plain();
        let line = with_phones("  sđt 0912.345.678 nhé", theme.normal(), theme.phone());
        let phone: Vec<&Span> = line
            .spans
            .iter()
            .filter(|s| {
                s.style
                    .add_modifier
                    .contains(ratatui::style::Modifier::UNDERLINED)
            })
            .collect();
        assert_eq!(phone.len(), 1);
        assert_eq!(phone[0].content, "0912.345.678");
        let whole: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(whole, "  sđt 0912.345.678 nhé");
    }
}

/// How much of a thread's post stands above it, in columns.
const POST_SHOWN: usize = 300;

/// The open conversation's lines at `width` columns.
pub fn chat_lines(app: &App, width: u16, clock: Clock) -> Option<ChatLines> {
    let open = app.chat.open.as_ref()?;
    let view = ChatView {
        messages: &open.messages,
        new_from: open.new_from,
        highlight: app.chat.highlight,
        width: usize::from(width),
        retry_key: app.settings.keymap.first_key(Mode::Inbox, Action::Retry),
        tr: app.tr,
        theme: app.theme,
        clock,
        page_id: &open.conversation.page_id,
        pictures: &app.pictures,
        // A thread's post stands first, in its words; a buyer's way here (an ad, a link) else.
        // A post the webhook named is stored bare until the next poll reads its words (a
        // photo posted without words has none).
        origin: match open.under_post.as_ref().map(|under| &under.post) {
            Some(post) => Some(
                match crate::text::fit(post.message.replace('\n', " ").trim(), POST_SHOWN)
                    .trim_end()
                {
                    "" => app.tr.t(S::PostWithoutWords).to_owned(),
                    words => format!("“{words}”"),
                },
            ),
            None => open
                .conversation
                .referral
                .as_ref()
                .map(|r| app.tr.referral(r, &clock.hm(r.at))),
        },
        origin_photo: super::pictures::origin_picture(open),
    };
    Some(view.lines())
}

/// How far the open conversation scrolls on the screen as it is: lines from the bottom.
#[derive(Debug, Clone, Copy)]
pub struct ChatScroll {
    /// The oldest message at the top.
    pub max: usize,
    /// The highlighted message (a search hit) one line below the top.
    pub highlight: Option<usize>,
    /// Lines shown at once.
    pub height: usize,
}
