//! Pictures drawn by the terminal itself where it can (kitty, iTerm2, sixel, through
//! ratatui-image), in the cells the half-block drawing of the same picture takes: the chat's
//! lines are the same in every terminal, only what fills those cells differs.

use std::cell::RefCell;
use std::collections::HashMap;

use image::{DynamicImage, RgbImage};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;
use ratatui_image::picker::cap_parser::QueryStdioOptions;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};

use crate::config::Graphics as Setting;
use crate::model::Thumbnail;

/// Pictures kept encoded for the terminal; more and the oldest are encoded again when shown.
const ENCODED_KEPT: usize = 48;

/// How long the terminal gets to say what it draws (over SSH too) before half blocks are used.
const QUESTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// How long the terminal gets to answer the status request that ends an unanswered question.
const STATUS_ANSWER_WAIT: std::time::Duration = std::time::Duration::from_millis(150);

/// The question went unanswered (tmux with no terminal attached, or one that drops what it may
/// not pass through), yet ratatui-image's reader of the answer still waits on the terminal's
/// input and would take staff's first key as it. A status request asked plainly, which the
/// terminal itself (tmux too) answers, ends that reader before the inbox reads its keys.
fn end_unanswered_question() {
    use std::io::Write;
    let mut out = std::io::stdout();
    if out.write_all(b"\x1b[5n").and_then(|()| out.flush()).is_ok() {
        std::thread::sleep(STATUS_ANSWER_WAIT);
    }
}

/// How this terminal draws pictures, and the pictures encoded for it by size.
#[derive(Default)]
pub struct Graphics {
    /// None: half blocks, drawn as chat lines.
    picker: Option<Picker>,
    /// Encoded once per picture and size: drawing is every frame, encoding (sixel above all)
    /// is not cheap. `None`: the picture could not be encoded, half blocks stay.
    encoded: RefCell<HashMap<(String, Size), Option<Protocol>>>,
}

impl std::fmt::Debug for Graphics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graphics")
            .field("protocol", &self.picker.as_ref().map(Picker::protocol_type))
            .finish()
    }
}

impl Graphics {
    /// Asks the terminal what it draws and its cell size in pixels, as the config says. Must run
    /// on the terminal in raw mode, before anything reads its input: the answer comes on stdin.
    pub fn ask_terminal(setting: Setting) -> Graphics {
        let forced = match setting {
            Setting::HalfBlocks => return Graphics::default(),
            Setting::Auto => None,
            Setting::Kitty => Some(ProtocolType::Kitty),
            Setting::Sixel => Some(ProtocolType::Sixel),
            Setting::Iterm2 => Some(ProtocolType::Iterm2),
        };
        let options = QueryStdioOptions {
            timeout: QUESTION_TIMEOUT,
            ..QueryStdioOptions::default()
        };
        let asked = std::time::Instant::now();
        let mut picker = match Picker::from_query_stdio_with_options(options) {
            Ok(picker) => picker,
            Err(error) => {
                tracing::warn!("the terminal did not say how it draws pictures: {error}");
                Picker::halfblocks()
            }
        };
        // Unanswered, ratatui-image falls back to half blocks and says so only by the time
        // it took.
        if asked.elapsed() >= QUESTION_TIMEOUT {
            tracing::warn!("the terminal did not answer what it draws; half blocks");
            end_unanswered_question();
        }
        if let Some(protocol) = forced {
            picker.set_protocol_type(protocol);
        }
        tracing::info!(
            "pictures drawn with {:?}, cells of {:?} pixels",
            picker.protocol_type(),
            picker.font_size()
        );
        Graphics {
            picker: Some(picker).filter(|p| p.protocol_type() != ProtocolType::Halfblocks),
            encoded: RefCell::default(),
        }
    }

    /// Whether the terminal draws pictures itself.
    pub fn draws_pictures(&self) -> bool {
        self.picker.is_some()
    }

    /// Draws `picture` as large as `area` allows with the terminal's protocol; false when it
    /// has none (or the picture cannot be encoded), and the half blocks already there stay.
    /// `whole`: centred; else in the area's top left corner.
    pub fn draw(
        &self,
        key: &str,
        picture: &Thumbnail,
        area: Rect,
        buffer: &mut Buffer,
        whole: bool,
    ) -> bool {
        let Some(picker) = &self.picker else {
            return false;
        };
        if area.is_empty() {
            return false;
        }
        let mut encoded = self.encoded.borrow_mut();
        if encoded.len() >= ENCODED_KEPT {
            encoded.clear();
        }
        let room = area.as_size();
        let protocol = encoded.entry((key.to_owned(), room)).or_insert_with(|| {
            let pixels = RgbImage::from_raw(picture.width, picture.height, picture.rgb.clone())?;
            // Scaled up too: a small picture takes the cells its half blocks would.
            picker
                .new_protocol(DynamicImage::ImageRgb8(pixels), room, Resize::Scale(None))
                .inspect_err(|e| tracing::warn!("picture {key} not encoded: {e}"))
                .ok()
        });
        let Some(protocol) = protocol else {
            return false;
        };
        // What the half blocks drew here goes: the terminal's picture may take a cell less.
        ratatui::widgets::Clear.render(area, buffer);
        let size = protocol.size();
        let at = if whole {
            area.centered(
                ratatui::layout::Constraint::Length(size.width),
                ratatui::layout::Constraint::Length(size.height),
            )
        } else {
            Rect::new(area.x, area.y, size.width, size.height).intersection(area)
        };
        Image::new(protocol).render(at, buffer);
        true
    }
}
