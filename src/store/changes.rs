//! What buyers and Facebook change after a message is written, as webhook events tell it: an
//! edit, an unsend, a reaction, where a buyer came from, which app has the conversation. Kept
//! with the event's messages before Facebook is answered; an edit or unsend waits by message id
//! for a message not stored yet, and an unsent message's words and files leave the database.

use super::db::{self, Conn, Optional, Tx};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{QueuedMessage, Result, Store, to_time};
use crate::model::{HeldBy, MessageId, PageId, Psid, Referral};

/// A change an event told, cleaned, for the page and the person (the buyer's PSID).
#[derive(Debug, Clone, PartialEq)]
pub struct KeptChange {
    pub page_id: PageId,
    pub person_id: Psid,
    pub at: DateTime<Utc>,
    pub change: Amend,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Amend {
    Edited {
        mid: MessageId,
        text: String,
        edit_count: i64,
    },
    Unsent {
        mid: MessageId,
    },
    /// `reactor`: whoever reacted (the buyer, or the page); `emoji` `None`: taken off.
    Reacted {
        mid: MessageId,
        reactor: String,
        emoji: Option<String>,
    },
    Referred(Referral),
    /// `app_id`: the app that has the conversation now, when Facebook named it; `ours`: it is
    /// this pagedesk's app.
    Routed {
        app_id: Option<String>,
        ours: bool,
    },
}

impl Store {
    /// Keeps what a body's events carried, messages and changes, in one transaction, before
    /// Facebook is answered: once this returns, a kill loses none of it. An event Facebook
    /// sends again is kept once.
    pub fn keep_events(
        &mut self,
        messages: &[QueuedMessage],
        changes: &[KeptChange],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.write()?;
        super::webhooks::keep_messages(&tx, messages, at)?;
        for change in changes {
            keep_change(&tx, change)?;
        }
        purge_removed_words(&tx)?;
        tx.commit()?;
        // An unsent picture leaves the picture cache too (it was fetched to be shown).
        for change in changes {
            if let Amend::Unsent { mid } = &change.change {
                super::pictures::forget_message(&self.data_dir, mid);
            }
        }
        Ok(())
    }

    /// The buyers whose conversation with the page another app has (conversation routing),
    /// with the app when Facebook named it, newest first.
    pub fn held_elsewhere(&self, page_id: &PageId) -> Result<Vec<(String, Option<String>)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT c.customer_name, h.app_id FROM thread_holders h JOIN conversations c
                ON c.page_id = h.page_id AND c.customer_id = h.person_id
                AND c.channel = 'messenger'
             WHERE h.page_id = ?1 ORDER BY h.since DESC",
        )?;
        let held = statement
            .query_map([page_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<db::Result<_>>()?;
        Ok(held)
    }
}

fn keep_change(tx: &Tx<'_>, kept: &KeptChange) -> db::Result<()> {
    let at = kept.at.timestamp();
    match &kept.change {
        Amend::Edited {
            mid,
            text,
            edit_count,
        } => {
            // Edits may arrive out of order: the one with the most edits is the newest.
            tx.prepare_cached(
                "INSERT INTO message_amends (mid, page_id, person_id, text, edit_count, changed_at)
                 VALUES (?1, ?5, ?6, ?2, ?3, ?4)
                 ON CONFLICT (mid, page_id, person_id) DO UPDATE SET text = excluded.text,
                    edit_count = excluded.edit_count, changed_at = excluded.changed_at
                 WHERE message_amends.removed = 0
                   AND excluded.edit_count >= message_amends.edit_count",
            )?
            .execute(params![
                mid,
                text,
                edit_count.max(&1),
                at,
                kept.page_id,
                kept.person_id
            ])?;
            amend_message(tx, mid)?;
        }
        Amend::Unsent { mid } => {
            tx.prepare_cached(
                "INSERT INTO message_amends (mid, page_id, person_id, removed, changed_at)
                 VALUES (?1, ?3, ?4, 1, ?2)
                 ON CONFLICT (mid, page_id, person_id) DO UPDATE SET removed = 1, text = NULL,
                    changed_at = excluded.changed_at",
            )?
            .execute(params![mid, at, kept.page_id, kept.person_id])?;
            // Kept from its event and not joined yet: its words leave now too.
            tx.prepare_cached(
                "UPDATE webhook_messages SET text = '', sticker = NULL, attachments = NULL
                 WHERE mid = ?1 AND page_id = ?2 AND person_id = ?3 AND direction = 'in'",
            )?
            .execute(params![mid, kept.page_id, kept.person_id])?;
            amend_message(tx, mid)?;
        }
        Amend::Reacted {
            mid,
            reactor,
            emoji: Some(emoji),
        } => {
            tx.prepare_cached(
                "INSERT INTO message_reactions (mid, reactor_id, emoji, reacted_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (mid, reactor_id) DO UPDATE SET emoji = excluded.emoji,
                    reacted_at = excluded.reacted_at
                 WHERE excluded.reacted_at >= message_reactions.reacted_at",
            )?
            .execute(params![mid, reactor, emoji, at])?;
        }
        Amend::Reacted {
            mid,
            reactor,
            emoji: None,
        } => {
            tx.prepare_cached(
                "DELETE FROM message_reactions WHERE mid = ?1 AND reactor_id = ?2
                    AND reacted_at <= ?3",
            )?
            .execute(params![mid, reactor, at])?;
        }
        Amend::Referred(referral) => {
            // Facebook may send one event twice: the same referral at the same time is one.
            tx.prepare_cached(
                "INSERT INTO referrals (page_id, person_id, source, reference, ad_id, ad_title,
                    photo_url, post_id, product_id, referred_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
                 WHERE NOT EXISTS (SELECT 1 FROM referrals WHERE page_id = ?1 AND person_id = ?2
                    AND referred_at = ?10 AND source = ?3 AND ad_id IS NOT DISTINCT FROM ?5
                    AND reference IS NOT DISTINCT FROM ?4)",
            )?
            .execute(params![
                kept.page_id,
                kept.person_id,
                referral.source,
                referral.reference,
                referral.ad_id,
                referral.ad_title,
                referral.photo_url,
                referral.post_id,
                referral.product_id,
                at,
            ])?;
        }
        Amend::Routed { ours: true, .. } => {
            tx.prepare_cached("DELETE FROM thread_holders WHERE page_id = ?1 AND person_id = ?2")?
                .execute(params![kept.page_id, kept.person_id])?;
        }
        Amend::Routed {
            app_id,
            ours: false,
        } => {
            // An app named before stays named when a later event does not name it.
            tx.prepare_cached(
                "INSERT INTO thread_holders (page_id, person_id, app_id, since)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (page_id, person_id) DO UPDATE SET
                    app_id = COALESCE(excluded.app_id, thread_holders.app_id),
                    since = CASE WHEN excluded.app_id IS DISTINCT FROM thread_holders.app_id
                            AND excluded.app_id IS NOT NULL
                        THEN excluded.since ELSE thread_holders.since END",
            )?
            .execute(params![kept.page_id, kept.person_id, app_id, at])?;
        }
    }
    Ok(())
}

/// Brings a stored message in line with what is known of its edits and unsend. Returns
/// whether it changed.
pub(super) fn amend_message(tx: &Tx<'_>, mid: &MessageId) -> db::Result<bool> {
    // Nearly every message stored has none: one probe of the amends' key says so (storing a
    // first sync's messages must not pay for the join below).
    let amended: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM message_amends WHERE mid = ?1)")?
        .query_row([mid], |r| r.get(0))?;
    if !amended {
        return Ok(false);
    }
    apply_amends(tx, mid)
}

/// Gives a stored message what its buyer changed of it, for a caller that already knows
/// changes wait for `mid`. Returns whether the message changed.
pub(super) fn apply_amends(tx: &Tx<'_>, mid: &MessageId) -> db::Result<bool> {
    // Only what the buyer told of their own message, in their conversation with that page.
    type Amended = (Option<String>, i64, bool, i64, i64, bool, String);
    let found: Option<Amended> = tx
        .prepare_cached(
            "SELECT a.text AS amended_text, a.edit_count AS amended_edits,
                a.removed AS amended_removed, m.id, m.edit_count, m.removed, m.conversation_id
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN message_amends a ON a.mid = m.fb_id AND a.page_id = c.page_id
                AND a.person_id = c.customer_id
             WHERE m.fb_id = ?1 AND m.direction = 'in'",
        )?
        .query_row([mid], |r| {
            Ok((
                r.get("amended_text")?,
                r.get("amended_edits")?,
                r.get("amended_removed")?,
                r.get("id")?,
                r.get("edit_count")?,
                r.get("removed")?,
                r.get("conversation_id")?,
            ))
        })
        .optional()?;
    let Some((text, edit_count, removed, row, stored_edits, stored_removed, conversation)) = found
    else {
        return Ok(false);
    };
    let words = if removed {
        if stored_removed {
            return Ok(false);
        }
        tx.prepare_cached(
            "UPDATE messages SET text = '', sticker = NULL, attachments = NULL, shares = NULL,
                removed = 1 WHERE id = ?1",
        )?
        .execute([row])?;
        String::new()
    } else {
        let Some(text) = text.filter(|_| edit_count > stored_edits && !stored_removed) else {
            return Ok(false);
        };
        tx.prepare_cached("UPDATE messages SET text = ?2, edit_count = ?3 WHERE id = ?1")?
            .execute(params![row, text, edit_count])?;
        text
    };
    super::reindex_message(tx, row, &words)?;
    // SQLite's full-text index keeps a removed entry's words until merged; PostgreSQL's
    // table forgets them with the row.
    if removed && tx.engine() == db::Engine::Sqlite {
        tx.prepare_cached("INSERT OR IGNORE INTO search_purge_due (id) VALUES (1)")?
            .execute([])?;
    }
    // The list shows the newest message's words: an edit or unsend of it shows there too.
    tx.prepare_cached(
        "UPDATE conversations SET snippet = substr(replace(?2, '\n', ' '), 1, 1000)
         WHERE id = ?1 AND ?3 = (SELECT id FROM messages WHERE conversation_id = ?1
            ORDER BY created_time DESC, id DESC LIMIT 1)",
    )?
    .execute(params![conversation, words, row])?;
    Ok(true)
}

/// Merges the search index if words were taken out of it in this transaction, once however
/// many (half a second on a million messages): until merged, a deleted entry's words stay in
/// the index's segments, and `secure_delete` zeroes the pages the merge frees.
pub(super) fn purge_removed_words(tx: &Tx<'_>) -> db::Result<()> {
    if tx.engine() == db::Engine::Postgres {
        return Ok(());
    }
    let due = tx
        .prepare_cached("DELETE FROM search_purge_due")?
        .execute([])?;
    if due > 0 {
        tx.prepare_cached("INSERT INTO message_search (message_search) VALUES ('optimize')")?
            .execute([])?;
    }
    Ok(())
}

/// A poll found Facebook's copy of a buyer's message with other words than stored: an edit
/// (when no event told of one; the events' edits are the newer).
pub(super) fn edited_on_facebook(
    tx: &Tx<'_>,
    mid: &MessageId,
    text: &str,
    now: DateTime<Utc>,
) -> db::Result<()> {
    let stored: Option<(String, i64, bool, String, String)> = tx
        .prepare_cached(
            "SELECT m.text, m.edit_count, m.removed, c.page_id, c.customer_id FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             WHERE m.fb_id = ?1 AND m.direction = 'in' AND m.unavailable = 0",
        )?
        .query_row([mid], |r| {
            Ok((
                r.get("text")?,
                r.get("edit_count")?,
                r.get("removed")?,
                r.get("page_id")?,
                r.get("customer_id")?,
            ))
        })
        .optional()?;
    let Some((stored_text, edits, removed, page_id, person_id)) = stored else {
        return Ok(());
    };
    if removed || stored_text == text || text.is_empty() {
        return Ok(());
    }
    let inserted = tx
        .prepare_cached(
            "INSERT INTO message_amends (mid, page_id, person_id, text, edit_count, changed_at)
             VALUES (?1, ?5, ?6, ?2, ?3, ?4)
             ON CONFLICT (mid, page_id, person_id) DO NOTHING",
        )?
        .execute(params![
            mid,
            text,
            edits + 1,
            now.timestamp(),
            page_id,
            person_id
        ])?;
    if inserted > 0 {
        amend_message(tx, mid)?;
    }
    Ok(())
}

/// The newest referral of a person on a page.
pub(super) fn referral_of(
    conn: &Conn,
    page_id: &PageId,
    person_id: &Psid,
) -> db::Result<Option<Referral>> {
    conn.prepare_cached(
        "SELECT source, reference, ad_id, ad_title, photo_url, post_id, product_id, referred_at
         FROM referrals WHERE page_id = ?1 AND person_id = ?2
         ORDER BY referred_at DESC, id DESC LIMIT 1",
    )?
    .query_row(rusqlite::params![page_id, person_id], |r| {
        Ok(Referral {
            source: r.get("source")?,
            reference: r.get("reference")?,
            ad_id: r.get("ad_id")?,
            ad_title: r.get("ad_title")?,
            photo_url: r.get("photo_url")?,
            post_id: r.get("post_id")?,
            product_id: r.get("product_id")?,
            at: to_time(r.get("referred_at")?),
        })
    })
    .optional()
}

/// The app that has a person's conversation on a page, if it is not pagedesk's.
pub(super) fn held_by(
    conn: &Conn,
    page_id: &PageId,
    person_id: &Psid,
) -> db::Result<Option<HeldBy>> {
    conn.prepare_cached(
        "SELECT app_id, since FROM thread_holders WHERE page_id = ?1 AND person_id = ?2",
    )?
    .query_row(rusqlite::params![page_id, person_id], |r| {
        Ok(HeldBy {
            app_id: r.get(0)?,
            since: to_time(r.get(1)?),
        })
    })
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Folder};
    use crate::store::{ConversationUpdate, NewMessage};

    fn kept(mid: &str, text: &str, at: DateTime<Utc>) -> QueuedMessage {
        QueuedMessage {
            page_id: "p".into(),
            person_id: "u".into(),
            message: NewMessage {
                fb_id: mid.into(),
                direction: Direction::In,
                from_id: "u".into(),
                from_name: String::new(),
                text: text.into(),
                sticker: None,
                attachments: Vec::new(),
                shares: Vec::new(),
                created_time: at,
                unavailable: false,
                reply_to: None,
            },
        }
    }

    /// A data directory with the page "p".
    fn shop() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store.upsert_page("p", "Shop").unwrap();
        (dir, store)
    }

    /// A place a buyer sent (in an event: the Graph API does not list it).
    fn place() -> crate::model::Attachment {
        crate::model::Attachment {
            kind: Some(crate::model::AttachmentKind::Place),
            name: Some("Chợ Bến Thành".into()),
            place: Some("10.77250, 106.69810".into()),
            mime_type: None,
            size: None,
            url: None,
            preview_url: None,
        }
    }

    /// Facebook may deliver the unsend before the message (another body, a retry): the message
    /// is stored without its words, and they never reach the search index or the file.
    #[test]
    fn a_message_unsent_before_it_came_is_stored_without_its_words() {
        let (dir, mut store) = shop();
        let now = Utc::now();
        let unsent = KeptChange {
            page_id: "p".into(),
            person_id: "u".into(),
            at: now,
            change: Amend::Unsent { mid: "m_2".into() },
        };
        store.keep_events(&[], &[unsent], now).unwrap();
        store
            .keep_events(
                &[
                    kept("m_1", "Shop ơi", now),
                    kept("m_2", "Chồng em số 0912 345 678", now),
                ],
                &[],
                now,
            )
            .unwrap();
        // Kept while its conversation is not stored yet (a new buyer, one in Spam): without
        // its words already.
        assert!(!words_on_disk(dir.path(), b"0912"));
        store
            .apply_conversation(&ConversationUpdate {
                id: "t_1".into(),
                page_id: "p".into(),
                folder: Folder::Inbox,
                customer_id: "u".into(),
                customer_name: "Lan".into(),
                snippet: "Chồng em số 0912 345 678".into(),
                updated_time: now,
                unread_estimate: 2,
                can_reply: true,
                messages: Vec::new(),
            })
            .unwrap();
        let messages = store.messages(&"t_1".into()).unwrap();
        assert_eq!(messages.len(), 2);
        assert!(messages[1].removed && messages[1].text.is_empty());
        assert_eq!(
            store.conversation(&"t_1".into()).unwrap().unwrap().snippet,
            ""
        );
        assert!(store.search("0912", 10).unwrap().is_empty());
        drop(store);
        assert!(!words_on_disk(dir.path(), b"0912"));
    }

    /// Whether `words` are anywhere in the database file, once its log is folded in.
    fn words_on_disk(data_dir: &std::path::Path, words: &[u8]) -> bool {
        let path = data_dir.join(crate::store::DATABASE_FILE);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(conn);
        let bytes = std::fs::read(&path).unwrap();
        bytes.windows(words.len()).any(|w| w == words)
    }

    fn lan(messages: Vec<NewMessage>) -> ConversationUpdate {
        ConversationUpdate {
            id: "t_1".into(),
            page_id: "p".into(),
            folder: Folder::Inbox,
            customer_id: "u".into(),
            customer_name: "Lan".into(),
            snippet: String::new(),
            updated_time: Utc::now(),
            unread_estimate: 1,
            can_reply: true,
            messages,
        }
    }

    fn photo() -> crate::model::Attachment {
        crate::model::Attachment {
            mime_type: Some("image/png".into()),
            name: Some("anh.png".into()),
            size: Some(10),
            url: Some("https://scontent.example/anh.png".into()),
            preview_url: None,
            kind: None,
            place: None,
        }
    }

    /// Facebook's copy of an unsent photo (which it may keep listing) never brings it back.
    #[test]
    fn an_unsent_photo_stays_gone_when_facebooks_copy_is_read_again() {
        let (_dir, mut store) = shop();
        let now = Utc::now();
        let mut copy = kept("m_1", "", now).message;
        copy.from_name = "Lan".into();
        copy.attachments = vec![photo()];
        store.apply_conversation(&lan(vec![copy.clone()])).unwrap();
        let unsent = KeptChange {
            page_id: "p".into(),
            person_id: "u".into(),
            at: now,
            change: Amend::Unsent { mid: "m_1".into() },
        };
        store.keep_events(&[], &[unsent], now).unwrap();
        store.apply_conversation(&lan(vec![copy])).unwrap();
        let message = &store.messages(&"t_1".into()).unwrap()[0];
        assert!(
            message.removed && message.attachments.is_empty(),
            "{message:?}"
        );
    }

    /// Facebook's copy came first, without the place the event names (the Graph API lists
    /// only words): the event's place fills it in.
    #[test]
    fn an_events_place_fills_facebooks_copy_that_came_first() {
        let (_dir, mut store) = shop();
        let now = Utc::now();
        let mut copy = kept("m_1", "", now).message;
        copy.from_name = "Lan".into();
        store.apply_conversation(&lan(vec![copy])).unwrap();
        let mut event = kept("m_1", "", now);
        event.message.attachments = vec![place()];
        store.keep_events(&[event], &[], now).unwrap();
        store.merge_event_messages().unwrap();
        let message = &store.messages(&"t_1".into()).unwrap()[0];
        assert_eq!(
            message.attachments[0].name.as_deref(),
            Some("Chợ Bến Thành"),
            "{message:?}"
        );
    }

    /// Only the conversation's buyer changes their messages: another person's edit, unsend or
    /// reaction naming them changes nothing that is shown.
    #[test]
    fn another_person_cannot_edit_unsend_or_react_to_a_buyers_message() {
        let (_dir, mut store) = shop();
        let now = Utc::now();
        let mut copy = kept("m_1", "Váy hoa còn không?", now).message;
        copy.from_name = "Lan".into();
        store.apply_conversation(&lan(vec![copy])).unwrap();
        let stranger = |change: Amend| KeptChange {
            page_id: "p".into(),
            person_id: "v".into(),
            at: now,
            change,
        };
        let changes = [
            stranger(Amend::Edited {
                mid: "m_1".into(),
                text: "bị sửa".into(),
                edit_count: 1,
            }),
            stranger(Amend::Reacted {
                mid: "m_1".into(),
                reactor: "v".into(),
                emoji: Some("😠".into()),
            }),
            stranger(Amend::Unsent { mid: "m_1".into() }),
        ];
        store.keep_events(&[], &changes, now).unwrap();
        let message = &store.messages(&"t_1".into()).unwrap()[0];
        assert_eq!(message.text, "Váy hoa còn không?");
        assert!(!message.removed && message.edit_count == 0 && message.reactions.is_empty());
        // Her own edit still goes through.
        let hers = KeptChange {
            person_id: "u".into(),
            ..stranger(Amend::Edited {
                mid: "m_1".into(),
                text: "Váy hoa còn size L không?".into(),
                edit_count: 1,
            })
        };
        store.keep_events(&[], &[hers], now).unwrap();
        assert_eq!(
            store.messages(&"t_1".into()).unwrap()[0].text,
            "Váy hoa còn size L không?"
        );
    }

    /// A new buyer's first message is a place: the event is kept, then their conversation is
    /// read from Facebook, whose copy lists only words; the place stands.
    #[test]
    fn a_new_buyers_first_place_stands_when_their_conversation_is_read() {
        let (_dir, mut store) = shop();
        let now = Utc::now();
        let mut event = kept("m_1", "", now);
        event.message.attachments = vec![place()];
        store.keep_events(&[event], &[], now).unwrap();
        let mut copy = kept("m_1", "", now).message;
        copy.from_name = "Lan".into();
        store.apply_conversation(&lan(vec![copy])).unwrap();
        let message = &store.messages(&"t_1".into()).unwrap()[0];
        assert_eq!(
            message.attachments[0].name.as_deref(),
            Some("Chợ Bến Thành")
        );
        let row = store.conversation(&"t_1".into()).unwrap().unwrap();
        assert_eq!(
            row.carried,
            Some(crate::model::Carried::Place("Chợ Bến Thành".into()))
        );
    }

    /// A known buyer's sticker, from its event: the list says "Sticker", not her last words.
    #[test]
    fn a_known_buyers_sticker_is_what_the_list_says() {
        let (_dir, mut store) = shop();
        let earlier = Utc::now() - chrono::Duration::minutes(5);
        let mut first = kept("m_1", "Shop ơi", earlier).message;
        first.from_name = "Lan".into();
        let mut update = lan(vec![first]);
        update.snippet = "Shop ơi".into();
        update.updated_time = earlier;
        store.apply_conversation(&update).unwrap();
        let mut sticker = kept("m_2", "", Utc::now());
        sticker.message.sticker = Some("https://scontent.example/like.png".into());
        store.keep_events(&[sticker], &[], Utc::now()).unwrap();
        store.merge_event_messages().unwrap();
        let row = store.conversation(&"t_1".into()).unwrap().unwrap();
        assert_eq!(row.snippet, "");
        assert_eq!(row.carried, Some(crate::model::Carried::Sticker));
    }

    /// An unsent photo leaves the picture cache too.
    #[test]
    fn an_unsent_photo_leaves_the_picture_cache() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let cache = crate::store::pictures::PictureCache::open(dir.path(), 1 << 20).unwrap();
        cache.put("m_1/0", b"\x89PNG the photo").unwrap();
        cache.put("m_2/0", b"\x89PNG another").unwrap();
        let unsent = KeptChange {
            page_id: "p".into(),
            person_id: "u".into(),
            at: Utc::now(),
            change: Amend::Unsent { mid: "m_1".into() },
        };
        store.keep_events(&[], &[unsent], Utc::now()).unwrap();
        assert!(cache.get("m_1/0").is_none());
        assert!(cache.get("m_2/0").is_some(), "others stay");
    }
}
