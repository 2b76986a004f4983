//! The pictures of the open conversation: asked of the engine for the newest messages (never
//! fetched here), drawn as half-block art (two pixels a cell, top in the glyph's colour and
//! bottom in its background), so they scroll with the chat in any terminal with colour.

use std::collections::HashMap;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::app::{App, Effect, Overlay};
use crate::i18n::S;
use crate::model::{Attachment, PageId, PictureOf, PictureWanted, Thumbnail};
use crate::store::{ConversationRow, MessageRow};
use crate::sync::EngineCommand;

/// How many of the newest messages have their pictures fetched when a conversation is shown:
/// what is on screen, and what scrolling up a little reaches.
const PICTURES_OF_NEWEST: usize = 20;
/// Pictures kept in memory beyond those of the open conversation.
const PICTURES_KEPT: usize = 64;

/// Where a picture of a message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PictureState {
    Loading,
    Ready(Thumbnail),
    Failed(String),
}

/// Whether a file is a picture pagedesk draws.
fn is_picture(attachment: &Attachment) -> bool {
    attachment
        .mime_type
        .as_deref()
        .is_some_and(|m| m.starts_with("image/"))
}

/// The pictures of a message, as the engine is asked for them. A reply not yet accepted has
/// no Facebook id, and no picture on Facebook yet.
pub fn pictures_of(message: &MessageRow, page_id: &PageId) -> Vec<PictureWanted> {
    if message.id.is_stand_in() {
        return Vec::new();
    }
    let wanted = |index: Option<usize>, link: Option<String>| PictureWanted {
        page_id: page_id.to_owned(),
        of: PictureOf::Message(message.id.clone()),
        index,
        link,
        whole: false,
    };
    let mut pictures: Vec<PictureWanted> = message
        .attachments
        .iter()
        .enumerate()
        .filter(|(_, a)| is_picture(a))
        .map(|(index, a)| wanted(Some(index), a.url.clone()))
        .collect();
    if let Some(sticker) = &message.sticker {
        pictures.push(wanted(None, Some(sticker.clone())));
    }
    pictures
}

/// The photo of the ad a buyer came from, drawn under the chat's first line. Named as the
/// conversation's, so that it is kept and fetched like a message's picture.
pub fn ad_photo(conversation: &ConversationRow) -> Option<PictureWanted> {
    let photo = conversation.referral.as_ref()?.photo_url.clone()?;
    Some(PictureWanted {
        page_id: conversation.page_id.clone(),
        of: PictureOf::Ad(conversation.id.clone()),
        index: Some(0),
        link: Some(photo),
        whole: false,
    })
}

/// The picture of the post a thread is under, drawn under the post's words.
pub fn post_picture(
    page_id: &PageId,
    post: &crate::store::comments::PostRow,
) -> Option<PictureWanted> {
    Some(PictureWanted {
        page_id: page_id.clone(),
        of: PictureOf::Post(post.id.clone()),
        index: Some(0),
        link: Some(post.picture.clone()?),
        whole: false,
    })
}

/// The picture drawn above the open conversation's messages: the ad the buyer came from, or
/// the post a thread is under.
pub fn origin_picture(open: &super::app::Open) -> Option<PictureWanted> {
    match &open.under_post {
        Some(under) => post_picture(&open.conversation.page_id, &under.post),
        None => ad_photo(&open.conversation),
    }
}

impl App {
    /// Asks the engine for the pictures of the open conversation's newest messages that it has
    /// not been asked for yet; forgets others' when too many are kept.
    pub(super) fn want_pictures(&mut self) {
        let Some(open) = &self.chat.open else {
            return;
        };
        let page_id = open.conversation.page_id.clone();
        let wanted: Vec<PictureWanted> = open
            .messages
            .iter()
            .rev()
            .take(PICTURES_OF_NEWEST)
            .flat_map(|m| pictures_of(m, &page_id))
            .chain(origin_picture(open))
            .collect();
        if self.pictures.len() > PICTURES_KEPT {
            let open_keys: Vec<String> = wanted.iter().map(PictureWanted::key).collect();
            self.pictures.retain(|key, _| open_keys.contains(key));
        }
        for picture in wanted {
            let key = picture.key();
            if self.pictures.contains_key(&key) {
                continue;
            }
            self.pictures.insert(key, PictureState::Loading);
            self.ask_engine(EngineCommand::FetchPicture(picture));
        }
    }

    pub(super) fn on_picture(&mut self, key: &str, picture: &Result<Thumbnail, String>) {
        let state = match picture {
            Ok(thumbnail) => PictureState::Ready(thumbnail.clone()),
            Err(why) => PictureState::Failed(why.clone()),
        };
        self.pictures.insert(key.to_owned(), state);
    }

    /// The newest picture of the open conversation (or of the search hit), whole pane.
    pub(super) fn view_picture(&mut self) {
        let newest = self.chat.open.as_ref().and_then(|open| {
            let page_id = &open.conversation.page_id;
            let chosen = open
                .messages
                .iter()
                .find(|m| Some(m.row) == self.chat.highlight)
                .filter(|m| !pictures_of(m, page_id).is_empty());
            chosen
                .into_iter()
                .chain(open.messages.iter().rev())
                .find_map(|m| pictures_of(m, page_id).pop())
        });
        match newest {
            Some(picture) => {
                self.overlay = Some(Overlay::Picture { key: picture.key() });
                if self.graphics.draws_pictures() {
                    // The terminal draws pixels: a larger copy for the pane, the glance
                    // meanwhile. Only the one viewed is kept (they are large).
                    let whole = PictureWanted {
                        whole: true,
                        ..picture
                    };
                    let key = whole.key();
                    self.pictures
                        .retain(|k, _| !k.ends_with("#whole") || *k == key);
                    if let std::collections::hash_map::Entry::Vacant(entry) =
                        self.pictures.entry(key)
                    {
                        entry.insert(PictureState::Loading);
                        self.ask_engine(EngineCommand::FetchPicture(whole));
                    }
                }
            }
            None => self.say(self.tr.t(S::NoPicture).to_owned()),
        }
    }

    /// The link of a file in the open conversation, the newest first; `L` again while it is
    /// shown gives the one before (after the oldest, the newest again). Its message is
    /// highlighted and scrolled to (so `v` and `y` take it), its link shown (clickable) and
    /// copied. Only a web link is offered, as [`crate::text::web_link`] writes it (a row stored
    /// before links were cleaned where they enter may hold anything).
    pub(super) fn attachment_link(&mut self) {
        let Some(open) = &self.chat.open else {
            return;
        };
        let files: Vec<(i64, String, String)> = open
            .messages
            .iter()
            .rev()
            .flat_map(|m| {
                let sticker = m
                    .sticker
                    .iter()
                    .map(|url| (self.tr.t(S::PreviewSticker), url));
                let attached = m.attachments.iter().filter_map(|a| {
                    let unnamed = if is_picture(a) {
                        S::PreviewPhoto
                    } else {
                        S::FileUnnamed
                    };
                    let name = a.name.as_deref().unwrap_or(self.tr.t(unnamed));
                    a.url.as_ref().map(|url| (name, url))
                });
                sticker.chain(attached.rev()).filter_map(|(name, url)| {
                    Some((m.row, name.to_owned(), crate::text::web_link(url)?))
                })
            })
            .collect();
        if files.is_empty() {
            self.say(self.tr.t(S::NoFileLink).to_owned());
            return;
        }
        // Walking back only while the last one is still said.
        let shown = self
            .status
            .link
            .as_ref()
            .filter(|_| self.notice().is_some());
        let index = match self.chat.file_walk {
            Some(i) if files.get(i).map(|(_, _, url)| url) == shown => (i + 1) % files.len(),
            _ => 0,
        };
        let (row, name, url) = files[index].clone();
        self.chat.highlight = Some(row);
        self.reveal_highlight();
        let (n, total) = ((index + 1).to_string(), files.len().to_string());
        self.say(self.tr.f(S::FileLink, &[&name, &n, &total, &url]));
        self.chat.file_walk = Some(index);
        self.status.link = Some(url.clone());
        self.ask(Effect::Clipboard(url));
    }
}

/// A picture as lines of half blocks, at most `columns` wide and `rows` tall, keeping its
/// shape (a cell is about twice as tall as wide: two pixels a cell).
pub fn half_blocks(picture: &Thumbnail, columns: u16, rows: u16) -> Vec<Line<'static>> {
    if picture.width == 0 || picture.height == 0 || columns == 0 || rows == 0 {
        return Vec::new();
    }
    let (w, h) = (picture.width as f64, picture.height as f64);
    // Fit the picture's pixels (one column, half a row each) in the box.
    let scale = (f64::from(columns) / w).min(f64::from(rows) * 2.0 / h);
    let cols = ((w * scale).round() as u32).clamp(1, u32::from(columns));
    let pixel_rows = ((h * scale).round() as u32).clamp(2, u32::from(rows) * 2);
    let sample = |x: u32, y: u32| {
        let px = (x * picture.width / cols).min(picture.width - 1);
        let py = (y * picture.height / pixel_rows).min(picture.height - 1);
        let [r, g, b] = picture.pixel(px, py);
        Color::Rgb(r, g, b)
    };
    (0..pixel_rows.div_ceil(2))
        .map(|row| {
            let spans: Vec<Span<'static>> = (0..cols)
                .map(|x| {
                    let top = sample(x, row * 2);
                    let bottom = sample(x, (row * 2 + 1).min(pixel_rows - 1));
                    Span::styled("▀", Style::default().fg(top).bg(bottom))
                })
                .collect();
            Line::from(spans)
        })
        .collect()
}

/// The pictures of a message, keyed as the engine reports them.
pub type Pictures = HashMap<String, PictureState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_keeps_its_shape_within_the_box() {
        // 4 x 2 pixels: red on top, blue below.
        let mut rgb = Vec::new();
        for _ in 0..4 {
            rgb.extend([255, 0, 0]);
        }
        for _ in 0..4 {
            rgb.extend([0, 0, 255]);
        }
        let picture = Thumbnail {
            width: 4,
            height: 2,
            rgb,
        };
        let lines = half_blocks(&picture, 8, 8);
        assert_eq!(lines.len(), 2, "8 columns wide, 4 pixels tall: 2 rows");
        assert_eq!(lines[0].spans.len(), 8);
        assert_eq!(lines[0].spans[0].style.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(lines[1].spans[0].style.bg, Some(Color::Rgb(0, 0, 255)));
        let narrow = half_blocks(&picture, 2, 8);
        assert_eq!((narrow.len(), narrow[0].spans.len()), (1, 2));
    }
}
