//! Fetching the pictures of messages (a buyer's photo, a sticker) for the inbox to draw: only
//! those asked for (the messages being looked at), from the cache when it has them, else from
//! Facebook's CDN link; a link that stopped working (they expire) is replaced by reading the
//! message again. Never on the UI path: the inbox asks, and is told through an event.

use std::sync::Arc;

use super::{Engine, SyncEvent};
use crate::graph::Message;
use crate::model::{PictureOf, PictureWanted, Thumbnail};

/// The largest side of a thumbnail, in pixels: a full pane of half blocks at 240 columns.
const THUMBNAIL_PIXELS: u32 = 240;
/// The largest side of a picture shown whole pane by the terminal itself: a full-screen pane
/// of a large monitor.
const WHOLE_PIXELS: u32 = 1600;
/// The largest picture decoded: sides in pixels, and memory for its pixels. Phone photos are
/// far smaller (4000 x 3000, 48 MB as RGBA).
const MAX_PICTURE_SIDE: u32 = 12_000;
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;
/// Pictures fetched at once; more wait their turn.
pub(super) const FETCHES_AT_ONCE: usize = 4;

impl Engine {
    /// Fetches a picture in the background and reports it as [`SyncEvent::Picture`].
    pub fn want_picture(self: &Arc<Self>, wanted: PictureWanted) {
        let engine = self.clone();
        tokio::spawn(async move {
            let Ok(_turn) = engine.fetching.clone().acquire_owned().await else {
                return;
            };
            let key = wanted.key();
            let picture = engine.picture(&wanted).await;
            if let Err(why) = &picture {
                tracing::info!(picture = %key, why, "a picture could not be had");
            }
            engine.emit(SyncEvent::Picture { key, picture });
        });
    }

    /// Reads a picture on this machine (one about to be attached) and reports its thumbnail.
    pub fn preview_file(self: &Arc<Self>, path: std::path::PathBuf) {
        let engine = self.clone();
        tokio::spawn(async move {
            let key = PictureWanted::file_key(&path);
            let read = tokio::task::spawn_blocking(move || {
                let file = crate::files::OutgoingFile::check(&path).map_err(|e| e.to_string())?;
                thumbnail(
                    &file.read_unchanged().map_err(|e| e.to_string())?,
                    THUMBNAIL_PIXELS,
                )
            });
            let picture = read
                .await
                .unwrap_or_else(|_| Err("reading the picture failed".into()));
            engine.emit(SyncEvent::Picture { key, picture });
        });
    }

    async fn picture(&self, wanted: &PictureWanted) -> Result<Thumbnail, String> {
        let Some(cache) = self.pictures.clone() else {
            return Err("pictures are not fetched by this pagedesk".into());
        };
        let key = wanted.file_in_cache();
        let cached = {
            let (cache, key) = (cache.clone(), key.clone());
            tokio::task::spawn_blocking(move || cache.get(&key))
                .await
                .ok()
                .flatten()
        };
        let bytes = match cached {
            Some(bytes) => bytes,
            None => {
                let bytes = self.download(wanted).await?;
                let (cache, kept) = (cache.clone(), bytes.clone());
                let stored = tokio::task::spawn_blocking(move || cache.put(&key, &kept)).await;
                if let Ok(Err(error)) = stored {
                    // Shown all the same; it is fetched again next time.
                    tracing::warn!(error = %error, "cannot keep a picture in the cache");
                }
                bytes
            }
        };
        let side = if wanted.whole {
            WHOLE_PIXELS
        } else {
            THUMBNAIL_PIXELS
        };
        tokio::task::spawn_blocking(move || thumbnail(&bytes, side))
            .await
            .map_err(|_| "reading the picture failed".to_owned())?
    }

    /// The file's bytes: from the link stored with the message, else from a fresh link read
    /// from the message on Facebook.
    async fn download(&self, wanted: &PictureWanted) -> Result<Vec<u8>, String> {
        if let Some(link) = &wanted.link
            && let Some(bytes) = self.graph.file(link).await.map_err(|e| e.to_string())?
        {
            return Ok(bytes);
        }
        let PictureOf::Message(message_id) = &wanted.of else {
            return Err("the picture is no longer at its link".to_owned());
        };
        let page = self
            .page_config(&wanted.page_id)
            .ok_or_else(|| format!("page {} is not in the config", wanted.page_id))?;
        let token = page.token().map_err(|e| e.to_string())?;
        let message = self
            .graph
            .message(&wanted.page_id, message_id, &token)
            .await
            .map_err(|e| e.to_string())?;
        let fresh = link_of(&message, wanted.index)
            .ok_or("Facebook no longer lists this file with the message")?;
        self.graph
            .file(&fresh)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "Facebook's link to this file does not work".to_owned())
    }
}

/// The link to a message's file (`None`: its sticker), as Facebook lists it now.
fn link_of(message: &Message, index: Option<usize>) -> Option<String> {
    let Some(index) = index else {
        return message.sticker.as_deref().and_then(crate::text::web_link);
    };
    let attachment = message.attachments.data.get(index)?;
    attachment
        .image_data
        .as_ref()
        .and_then(|i| i.url.as_deref())
        .or(attachment.file_url.as_deref())
        .and_then(crate::text::web_link)
}

/// Memory for decoded pixels, shared by every decode of this process: pictures that are small
/// as files can be huge as pixels (an 8000 x 7900 PNG of 259 KB is 250 MB decoded), and four
/// decoded at once must not take the inbox to a gigabyte. A decode waits until its pixels fit.
struct PixelBudget {
    bytes: u64,
    reserved: std::sync::Mutex<Reserved>,
    freed: std::sync::Condvar,
}

#[derive(Default)]
struct Reserved {
    now: u64,
    /// The most ever reserved at once (what the tests check).
    most: u64,
}

impl PixelBudget {
    const fn new(bytes: u64) -> PixelBudget {
        PixelBudget {
            bytes,
            reserved: std::sync::Mutex::new(Reserved { now: 0, most: 0 }),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits until `bytes` (at most the whole budget) fit, and holds them until the guard goes.
    fn reserve(&self, bytes: u64) -> Reservation<'_> {
        let bytes = bytes.min(self.bytes);
        let mut reserved = self.reserved.lock().unwrap_or_else(|p| p.into_inner());
        while reserved.now + bytes > self.bytes {
            reserved = self.freed.wait(reserved).unwrap_or_else(|p| p.into_inner());
        }
        reserved.now += bytes;
        reserved.most = reserved.most.max(reserved.now);
        Reservation {
            budget: self,
            bytes,
        }
    }

    #[cfg(test)]
    fn most_reserved(&self) -> u64 {
        self.reserved.lock().unwrap().most
    }
}

struct Reservation<'a> {
    budget: &'a PixelBudget,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut reserved = self
            .budget
            .reserved
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        reserved.now -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// Every decode of this process shares this much memory for pixels.
static PIXELS: PixelBudget = PixelBudget::new(MAX_DECODED_BYTES);

/// Decodes a picture (JPEG, PNG, GIF, WebP) and makes it at most `side` pixels wide and tall
/// (never larger than it is). A picture that claims huge dimensions (a decompression bomb) is
/// refused before memory is spent on it.
fn thumbnail(bytes: &[u8], side: u32) -> Result<Thumbnail, String> {
    thumbnail_within(bytes, side, &PIXELS)
}

fn thumbnail_within(bytes: &[u8], side: u32, budget: &PixelBudget) -> Result<Thumbnail, String> {
    let unreadable = |e: image::ImageError| format!("not a picture pagedesk can show ({e})");
    let reader = || {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| format!("not a picture pagedesk can show ({e})"))?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_PICTURE_SIDE);
        limits.max_image_height = Some(MAX_PICTURE_SIDE);
        limits.max_alloc = Some(MAX_DECODED_BYTES);
        reader.limits(limits);
        Ok::<_, String>(reader)
    };
    let (width, height) = reader()?.into_dimensions().map_err(unreadable)?;
    // Up to four bytes a pixel (RGBA), decoded.
    let _pixels = budget.reserve(u64::from(width) * u64::from(height) * 4);
    let image = reader()?.decode().map_err(unreadable)?;
    let small = if image.width() <= side && image.height() <= side {
        image.to_rgb8()
    } else {
        image.thumbnail(side, side).to_rgb8()
    };
    Ok(Thumbnail {
        width: small.width(),
        height: small.height(),
        rgb: small.into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture
            .write_to(&mut bytes, image::ImageFormat::Png)
            .unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_picture_is_made_small_for_a_glance_larger_for_the_whole_pane_never_larger_than_it_is() {
        let photo = png(2000, 1000);
        let glance = thumbnail(&photo, THUMBNAIL_PIXELS).unwrap();
        assert_eq!((glance.width, glance.height), (240, 120));
        let whole = thumbnail(&photo, WHOLE_PIXELS).unwrap();
        assert_eq!((whole.width, whole.height), (1600, 800));
        let icon = thumbnail(&png(40, 30), WHOLE_PIXELS).unwrap();
        assert_eq!(
            (icon.width, icon.height, icon.pixel(39, 29)),
            (40, 30, [200, 30, 30])
        );
        assert!(thumbnail(b"GIF89a not really", THUMBNAIL_PIXELS).is_err());
    }

    /// A PNG whose header claims 100,000 x 100,000 pixels (40 GB decoded) in a few bytes is
    /// refused before any memory is spent on its pixels.
    #[test]
    fn a_picture_claiming_huge_sides_is_refused_before_decoding() {
        let mut bomb = png(1, 1);
        // IHDR's width and height: the 4-byte fields after the signature, length and type.
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let refused = thumbnail(&bomb, THUMBNAIL_PIXELS).unwrap_err();
        assert!(
            refused.contains("not a picture pagedesk can show"),
            "{refused}"
        );
    }

    /// The PNG chunk checksum (CRC-32, as zlib computes it).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// Six pictures decoded at once hold no more pixels together than the budget: each waits
    /// for the memory of those before it (the budget here is two pictures' worth).
    #[test]
    fn pictures_decoded_at_once_share_one_budget_of_memory() {
        let one = 600 * 500 * 4;
        let budget = PixelBudget::new(2 * one);
        let photo = png(600, 500);
        std::thread::scope(|threads| {
            for _ in 0..6 {
                threads.spawn(|| thumbnail_within(&photo, THUMBNAIL_PIXELS, &budget).unwrap());
            }
        });
        let most = budget.most_reserved();
        assert!(most >= one && most <= 2 * one, "{most} bytes at once");
        assert_eq!(budget.reserved.lock().unwrap().now, 0, "all given back");
    }
}
