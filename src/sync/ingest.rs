//! Turning what Facebook sent into what the store keeps: the one place where untrusted text is
//! cleaned on its way in.

use chrono::DateTime;

use crate::graph;
use crate::model::{Attachment, Direction, Folder};
use crate::store::{ConversationUpdate, NewMessage, SharedLink};
use crate::text::{clean, clean_line, web_link};

/// The conversation as the store will keep it, or `None` when Facebook sent no customer
/// (a conversation with no participant other than the page cannot be answered).
pub fn conversation_update(
    page_id: &str,
    folder: Folder,
    conversation: &graph::Conversation,
) -> Option<ConversationUpdate> {
    let customer = conversation.customer(page_id)?;
    let mut messages: Vec<NewMessage> = conversation
        .messages
        .data
        .iter()
        .filter_map(|m| message(page_id, m))
        .collect();
    // Facebook lists newest first; the store wants them in the order they were written.
    messages.reverse();
    let newest = messages.last().map(|m| m.created_time);
    Some(ConversationUpdate {
        id: conversation.id.clone(),
        page_id: page_id.to_owned(),
        folder,
        // PSIDs are Facebook's digits; whatever else comes is untrusted text.
        customer_id: clean_line(&customer.id),
        customer_name: clean_line(customer.name.as_deref().unwrap_or(&customer.id)),
        snippet: clean_line(conversation.snippet.as_deref().unwrap_or_default()),
        updated_time: conversation
            .updated_time
            .or(newest)
            .unwrap_or(DateTime::UNIX_EPOCH),
        unread_estimate: conversation.unread_count.unwrap_or(0),
        can_reply: conversation.can_reply.unwrap_or(true),
        messages,
    })
}

fn message(page_id: &str, m: &graph::Message) -> Option<NewMessage> {
    // Without `from` a message has no details (Facebook details only the 20 most recent).
    let from = m.from.as_ref()?;
    let attachments = m.attachments.data.iter().map(attachment).collect();
    Some(NewMessage {
        fb_id: m.id.clone(),
        direction: if from.id == page_id {
            Direction::Out
        } else {
            Direction::In
        },
        from_id: clean_line(&from.id),
        from_name: clean_line(from.name.as_deref().unwrap_or(&from.id)),
        text: clean(m.message.as_deref().unwrap_or_default()),
        sticker: m.sticker.as_deref().and_then(web_link),
        attachments,
        shares: m
            .shares
            .data
            .iter()
            .filter_map(|share| {
                Some(SharedLink {
                    link: clean_line(share.link.as_deref()?),
                    name: share.name.as_deref().map(clean_line),
                })
            })
            .collect(),
        created_time: m.created_time,
    })
}

/// What came with a message, in the shape pagedesk keeps: one link and one preview, whichever
/// of image, video or file data Facebook sent them in; a link that is no web link is dropped.
fn attachment(a: &graph::Attachment) -> Attachment {
    let image = a.image_data.as_ref();
    let video = a.video_data.as_ref();
    Attachment {
        mime_type: a.mime_type.as_deref().map(clean_line),
        name: a.name.as_deref().map(clean_line),
        size: a.size,
        url: image
            .and_then(|i| i.url.as_deref())
            .or_else(|| video.and_then(|v| v.url.as_deref()))
            .or(a.file_url.as_deref())
            .and_then(web_link),
        preview_url: image
            .and_then(|i| i.preview_url.as_deref())
            .or_else(|| video.and_then(|v| v.preview_url.as_deref()))
            .and_then(web_link),
    }
}
