//! Reading for people: conversation lists (a window at a time), messages, counts and search.

use super::db::Optional;
use rusqlite::ToSql;

use super::*;
use crate::model::{Attachment, Carried, LabelMatch, MessageId, PageId};

/// What a conversation row is read from, each column named as `conversation_row` reads it.
/// A conversation row's columns, around the expression that gathers its labels (as JSON: each
/// engine says it in its own words).
macro_rules! conversation_columns {
    ($labels:literal) => {
        concat!(
            "c.id, c.page_id, p.name AS page_name, c.customer_id,
    c.customer_name, c.snippet, c.updated_time, c.unread_count, c.folder,
    c.last_customer_message_time, c.customer_spoke_last, c.can_reply,
    COALESCE((SELECT s.human_agent_refused FROM page_settings s WHERE s.page_id = c.page_id), 0)
        AS human_agent_refused,
    c.waiting_since,
    CASE WHEN c.snippet = '' THEN (SELECT CASE WHEN m.removed = 1 THEN 'removed'
        WHEN m.sticker IS NOT NULL THEN 'sticker'
        WHEN m.attachments IS NULL AND m.shares IS NOT NULL THEN 'shares:' || m.shares
        ELSE m.attachments END FROM messages m WHERE m.conversation_id = c.id
        ORDER BY m.created_time DESC, m.id DESC LIMIT 1) END AS carried,
    c.done_at, c.done_by,
    ",
            $labels,
            "
    c.assignee, c.listed_time,
    EXISTS (SELECT 1 FROM messages f WHERE f.conversation_id = c.id AND f.status = 'failed')
        AS failed_reply,
    c.post_id,
    (SELECT substr(replace(p2.message, '\n', ' '), 1, 60) FROM posts p2 WHERE p2.id = c.post_id)
        AS post_words,
    (SELECT o.state FROM orders o WHERE o.conversation_id = c.id
        ORDER BY o.created_at DESC, o.id DESC LIMIT 1) AS order_state"
        )
    };
}

/// Search hits PostgreSQL reads at a time: enough for a screen, few enough to stop early.
const SEARCH_BATCH: usize = 200;

/// The columns [`conversation_row`] reads, in the engine's words.
fn conversation_columns(conn: &Conn) -> &'static str {
    conn.pick(
        conversation_columns!(
            "(SELECT json_group_array(json_array(l.id, l.name, l.colour)) FROM
                (SELECT l.id, l.name, l.colour FROM conversation_labels cl
                 JOIN labels l ON l.id = cl.label_id WHERE cl.conversation_id = c.id
                 ORDER BY l.name COLLATE NOCASE) l) AS labels,"
        ),
        conversation_columns!(
            "COALESCE((SELECT json_agg(json_build_array(l.id, l.name, l.colour)
                    ORDER BY lower(l.name))
                FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
                WHERE cl.conversation_id = c.id), '[]') AS labels,"
        ),
    )
}

fn conversation_row(r: &Row<'_>) -> db::Result<ConversationRow> {
    let folder: String = r.get("folder")?;
    let done_at = r.get::<_, Option<i64>>("done_at")?.map(to_time);
    Ok(ConversationRow {
        id: r.get("id")?,
        page_id: r.get("page_id")?,
        page_name: r.get("page_name")?,
        customer_id: r.get("customer_id")?,
        customer_name: r.get("customer_name")?,
        snippet: r.get("snippet")?,
        updated_time: to_time(r.get("updated_time")?),
        unread_count: r.get("unread_count")?,
        spam: folder == Folder::Spam.as_str(),
        folder,
        last_customer_message_time: r
            .get::<_, Option<i64>>("last_customer_message_time")?
            .map(to_time),
        customer_spoke_last: r.get("customer_spoke_last")?,
        can_reply: r.get("can_reply")?,
        human_agent_refused: r.get("human_agent_refused")?,
        waiting_since: r.get::<_, Option<i64>>("waiting_since")?.map(to_time),
        carried: carried(r.get::<_, Option<String>>("carried")?.as_deref()),
        done: done_at.is_some(),
        done_at,
        done_by: r.get("done_by")?,
        labels: labels(&r.get::<_, String>("labels")?),
        assignee: r.get("assignee")?,
        listed_time: to_time(r.get("listed_time")?),
        failed_reply: r.get("failed_reply")?,
        referral: None,
        held_by: None,
        post_id: r.get("post_id")?,
        post_words: r.get("post_words")?,
        order_state: r
            .get::<_, Option<String>>("order_state")?
            .and_then(|state| state.parse().ok()),
    })
}

/// A conversation's labels as the list query reads them: `[[id, name, colour], ...]`.
fn labels(json: &str) -> Vec<crate::model::Label> {
    serde_json::from_str::<Vec<(i64, String, String)>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name, colour)| crate::model::Label { id, name, colour })
        .collect()
}

/// What the last message carried when the snippet has no words (a photo, a sticker).
fn carried(stored: Option<&str>) -> Option<Carried> {
    match stored? {
        "sticker" => Some(Carried::Sticker),
        "removed" => Some(Carried::Removed),
        json if json.starts_with("shares:") => {
            let shares: Vec<SharedLink> = serde_json::from_str(&json["shares:".len()..]).ok()?;
            let first = shares.into_iter().next()?;
            Some(Carried::Link(first.name.unwrap_or(first.link)))
        }
        json => serde_json::from_str::<Vec<Attachment>>(json)
            .ok()?
            .first()
            .map(Carried::of),
    }
}

impl ListQuery {
    /// The WHERE clause and its parameters: `:page` when there is one, `:me` (the staff member
    /// reading) for Mine. Label ids are numbers of ours, written into the SQL as they are.
    fn condition<'a>(&'a self, me: &'a dyn ToSql) -> (String, Vec<(&'static str, &'a dyn ToSql)>) {
        let mut parts = vec![filter_condition(self.filter).to_owned()];
        let mut params: Vec<(&'static str, &dyn ToSql)> = Vec::new();
        if let Some(page) = &self.page_id {
            parts.insert(0, "c.page_id = :page".to_owned());
            params.push((":page", page as &dyn ToSql));
        }
        if self.filter == Filter::Mine {
            params.push((":me", me));
        }
        if let Some(post) = &self.post_id {
            parts.push("c.post_id = :post".to_owned());
            params.push((":post", post as &dyn ToSql));
        }
        if !self.labels.is_empty() {
            let ids: Vec<String> = self.labels.iter().map(i64::to_string).collect();
            let ids = ids.join(", ");
            parts.push(match self.label_match {
                LabelMatch::Any => format!(
                    "c.id IN (SELECT conversation_id FROM conversation_labels WHERE label_id IN ({ids}))"
                ),
                LabelMatch::All => format!(
                    "(SELECT COUNT(*) FROM conversation_labels cl WHERE cl.conversation_id = c.id
                        AND cl.label_id IN ({ids})) = {}",
                    self.labels.len()
                ),
            });
        }
        (parts.join(" AND "), params)
    }
}

impl Store {
    /// A conversation with where its buyer came from and which app has it.
    pub fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRow>> {
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM conversations c
                     JOIN pages p ON p.id = c.page_id WHERE c.id = ?1",
                    conversation_columns(&self.conn)
                ),
                [id],
                conversation_row,
            )
            .optional()?;
        row.map(|row| self.with_origin(row)).transpose()
    }

    fn with_origin(&self, mut row: ConversationRow) -> Result<ConversationRow> {
        // A thread of comments came from its post; Messenger's routing is not about it.
        if row.post_id.is_some() {
            return Ok(row);
        }
        row.referral = super::changes::referral_of(&self.conn, &row.page_id, &row.customer_id)?;
        row.held_by = super::changes::held_by(&self.conn, &row.page_id, &row.customer_id)?;
        Ok(row)
    }

    /// Every conversation of a list, newest first, with where each buyer came from.
    pub fn conversations(&self, query: &ListQuery) -> Result<Vec<ConversationRow>> {
        self.conversation_window(query, 0, usize::MAX)?
            .into_iter()
            .map(|row| self.with_origin(row))
            .collect()
    }

    /// `limit` conversations of a list from position `offset`, newest first: a screenful, so the
    /// cost of a list does not grow with the inbox.
    pub fn conversation_window(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<ConversationRow>> {
        let (condition, params) = query.condition(&self.staff);
        let (_, order, _) = query.order.sql();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM conversations c JOIN pages p ON p.id = c.page_id
             WHERE {condition} ORDER BY {order} LIMIT {} OFFSET {offset}",
            conversation_columns(&self.conn),
            i64::try_from(limit).unwrap_or(i64::MAX)
        ))?;
        let rows = stmt.query_map(params.as_slice(), conversation_row)?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// Where a conversation stands in a list, if it is in it.
    pub fn position_in(
        &self,
        query: &ListQuery,
        conversation_id: &ConversationId,
    ) -> Result<Option<usize>> {
        let Some(target) = self.conversation(conversation_id)? else {
            return Ok(None);
        };
        let (condition, mut params) = query.condition(&self.staff);
        let key = match query.order {
            Order::Newest => target.listed_time.timestamp(),
            Order::LongestWaiting => target.waiting_since.map_or(0, |t| t.timestamp()),
        };
        let (_, _, before_it) = query.order.sql();
        params.push((":id", &conversation_id));
        let present = self
            .conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM conversations c WHERE {condition} AND c.id = :id)"
            ))?
            .query_row(params.as_slice(), |r| r.get::<_, bool>(0))?;
        if !present {
            return Ok(None);
        }
        params.push((":key", &key));
        // Only the rows above it are read (a range of the list's index), not the whole list.
        let before: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT COUNT(*) FROM conversations c WHERE {condition} AND {before_it}"
            ))?
            .query_row(params.as_slice(), |r| r.get(0))?;
        Ok(Some(before as usize))
    }

    /// The next conversation `marked` so after `current` in a list (from the top when there is
    /// none after it, or no current one).
    pub fn next_marked(
        &self,
        query: &ListQuery,
        current: Option<&ConversationId>,
        marked: Marked,
    ) -> Result<Option<ConversationId>> {
        let (condition, params) = query.condition(&self.staff);
        let (_, order, before_it) = query.order.sql();
        let mark = match marked {
            Marked::Unread => "c.unread_count > 0",
            Marked::FailedReply => {
                "EXISTS (SELECT 1 FROM messages f WHERE f.conversation_id = c.id
                    AND f.status = 'failed')"
            }
        };
        let first =
            |extra: &str, params: &[(&str, &dyn ToSql)]| -> Result<Option<ConversationId>> {
                Ok(self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT c.id FROM conversations c WHERE {condition} AND {mark}
                       {extra} ORDER BY {order} LIMIT 1"
                    ))?
                    .query_row(params, |r| r.get(0))
                    .optional()?)
            };
        if let Some(current) = current
            .map(|id| self.conversation(id))
            .transpose()?
            .flatten()
        {
            let key = match query.order {
                Order::Newest => current.listed_time.timestamp(),
                Order::LongestWaiting => current.waiting_since.map_or(0, |t| t.timestamp()),
            };
            let mut after = params.clone();
            after.push((":key", &key));
            after.push((":id", &current.id));
            let extra = format!("AND NOT {before_it} AND c.id <> :id");
            if let Some(next) = first(&extra, &after)? {
                return Ok(Some(next));
            }
        }
        first("", &params)
    }

    /// How many conversations each filter holds, for one page or all.
    pub fn filter_counts(&self, page_id: Option<&PageId>) -> Result<FilterCounts> {
        self.filter_counts_in(&ListQuery {
            page_id: page_id.cloned(),
            ..ListQuery::default()
        })
    }

    /// How many conversations each filter holds among those of `scope`'s page and labels (its
    /// filter does not matter).
    pub fn filter_counts_in(&self, scope: &ListQuery) -> Result<FilterCounts> {
        // One count per filter, each worded like its partial index so that it counts only that
        // index's entries rather than reading every conversation.
        let count_where = |condition: &str, params: &[(&str, &dyn ToSql)]| -> Result<usize> {
            let sql = format!("SELECT COUNT(*) FROM conversations c WHERE {condition}");
            let n: i64 = self
                .conn
                .prepare_cached(&sql)?
                .query_row(params, |r| r.get(0))?;
            Ok(n as usize)
        };
        let count = |filter: Filter| -> Result<usize> {
            let query = ListQuery {
                filter,
                ..scope.clone()
            };
            let (condition, params) = query.condition(&self.staff);
            count_where(&condition, &params)
        };
        // Every conversation, counted from an index alone, less the done ones: reading whether
        // each is done would read every row.
        let everything = match (&scope.page_id, scope.labels.is_empty()) {
            (Some(page), true) => count_where("c.page_id = :page", &[(":page", page)])?,
            (None, true) => count_where("1 = 1", &[])?,
            (_, false) => count(Filter::All)? + count(Filter::Done)?,
        };
        let done = count(Filter::Done)?;
        Ok(FilterCounts {
            all: everything - done,
            spam: count(Filter::Spam)?,
            unread: count(Filter::Unread)?,
            unreplied: count(Filter::Unreplied)?,
            done,
            mine: count(Filter::Mine)?,
            not_sent: count(Filter::NotSent)?,
            comments: count(Filter::Comments)?,
            orders: count(Filter::Orders)?,
        })
    }

    /// Per page, how many conversations have unread messages.
    pub fn unread_by_page(&self) -> Result<Vec<(PageId, usize)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT page_id, COUNT(*) FROM conversations
             WHERE unread_count > 0 AND done_at IS NULL GROUP BY page_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// The customers of a page's conversations that hold messages Facebook no longer shows in
    /// full, newest first.
    pub fn conversations_with_gaps(&self, page_id: &PageId) -> Result<Vec<String>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT c.customer_name FROM conversations c
             WHERE c.page_id = ?1 AND EXISTS (SELECT 1 FROM messages m
                 WHERE m.conversation_id = c.id AND m.unavailable = 1)
             ORDER BY c.updated_time DESC",
        )?;
        let names = statement
            .query_map([page_id], |r| r.get(0))?
            .collect::<db::Result<_>>()?;
        Ok(names)
    }

    /// Messages of a conversation, oldest first.
    pub fn messages(&self, conversation_id: &ConversationId) -> Result<Vec<MessageRow>> {
        // The emoji on it, oldest first, as a JSON list: each engine gathers them its own way.
        let reactions = self.conn.pick(
            "(SELECT json_group_array(x.emoji) FROM (SELECT r.emoji FROM message_reactions r
                JOIN conversations c ON c.id = messages.conversation_id
                WHERE r.mid = messages.fb_id AND r.reactor_id IN (c.customer_id, c.page_id)
                ORDER BY r.reacted_at, r.reactor_id) x)",
            "COALESCE((SELECT json_agg(r.emoji ORDER BY r.reacted_at, r.reactor_id)
                FROM message_reactions r JOIN conversations c ON c.id = messages.conversation_id
                WHERE r.mid = messages.fb_id AND r.reactor_id IN (c.customer_id, c.page_id)),
                '[]')",
        );
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, fb_id, conversation_id, direction, from_id, from_name, text, sticker,
                attachments, created_time, status, error, retry_possible, error_code, shares,
                sent_by, unavailable, edit_count, removed, reply_to,
                {reactions} AS reactions,
                EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = messages.id
                    AND o.withdrawn_at IS NOT NULL) AS withdrawn,
                EXISTS (SELECT 1 FROM comments k WHERE k.id = messages.fb_id AND k.hidden = 1)
                    AS hidden,
                EXISTS (SELECT 1 FROM comments k WHERE k.id = messages.fb_id AND k.for_phone = 1)
                    AS for_phone,
                EXISTS (SELECT 1 FROM comments k WHERE k.id = messages.fb_id AND k.liked = 1)
                    AS liked,
                (SELECT CASE WHEN c.channel = 'comments' THEN 1 ELSE 0 END FROM conversations c
                    WHERE c.id = messages.conversation_id) AS comment,
                CASE WHEN messages.via = 'private' THEN 1 ELSE 0 END AS private_reply,
                CASE WHEN messages.via = 'comment' THEN 1 ELSE 0 END AS public_reply
             FROM messages WHERE conversation_id = ?1 ORDER BY created_time, id",
        ))?;
        let rows = stmt.query_map([conversation_id], |r| {
            let row: i64 = r.get("id")?;
            let fb_id: Option<MessageId> = r.get("fb_id")?;
            let direction: String = r.get("direction")?;
            let attachments: Option<String> = r.get("attachments")?;
            let shares: Option<String> = r.get("shares")?;
            let status: String = r.get("status")?;
            Ok(MessageRow {
                row,
                id: fb_id.unwrap_or_else(|| MessageId::stand_in(row)),
                conversation_id: r.get("conversation_id")?,
                direction: Direction::parse(&direction),
                from_id: r.get("from_id")?,
                from_name: r.get("from_name")?,
                text: r.get("text")?,
                sticker: r.get("sticker")?,
                attachments: attachments
                    .and_then(|json| serde_json::from_str(&json).ok())
                    .unwrap_or_default(),
                shares: shares
                    .and_then(|json| serde_json::from_str(&json).ok())
                    .unwrap_or_default(),
                created_time: to_time(r.get("created_time")?),
                status: SendStatus::parse(&status),
                error: r.get("error")?,
                sent_by: r.get("sent_by")?,
                unavailable: r.get("unavailable")?,
                edit_count: r.get("edit_count")?,
                removed: r.get("removed")?,
                reply_to: r.get::<_, Option<MessageId>>("reply_to")?.map(|id| Quoted {
                    id,
                    from_name: None,
                    text: None,
                }),
                reactions: serde_json::from_str(&r.get::<_, String>("reactions")?)
                    .unwrap_or_default(),
                withdrawn: r.get("withdrawn")?,
                hidden: r.get("hidden")?,
                hidden_for_phone: r.get("for_phone")?,
                liked: r.get("liked")?,
                comment: r.get("comment")?,
                private_reply: r.get("private_reply")?,
                public_reply: r.get("public_reply")?,
                retry_possible: r.get("retry_possible")?,
                problem: r
                    .get::<_, Option<String>>("error_code")?
                    .as_deref()
                    .and_then(ReplyProblem::parse),
            })
        })?;
        let mut messages: Vec<MessageRow> = rows.collect::<db::Result<_>>()?;
        // What each answered, from the messages at hand (one answered before them is looked
        // up: a conversation holds few).
        let quoted: Vec<Option<Quoted>> = messages
            .iter()
            .map(|m| {
                let id = &m.reply_to.as_ref()?.id;
                let (from_name, text) = match messages.iter().find(|o| &o.id == id) {
                    Some(o) => (Some(o.from_name.clone()), Some(o.text.clone())),
                    None => (None, None),
                };
                Some(Quoted {
                    id: id.clone(),
                    from_name,
                    text,
                })
            })
            .collect();
        for (message, quoted) in messages.iter_mut().zip(quoted) {
            message.reply_to = quoted;
        }
        Ok(messages)
    }

    /// Conversations whose customer's name matches, then messages that match, newest first;
    /// diacritics do not matter ("gia" finds "giá", "dam" finds "đầm").
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let typed = crate::text::search_query(text);
        let folded = crate::text::fold(&typed);
        let words: Vec<String> = folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // Words typed with diacritics: a hit must carry them (the index knows only the folded).
        let marked = crate::text::marked_words(&typed);
        let carries = |text: &str| {
            marked
                .iter()
                .all(|word| crate::text::has_word_marked(text, word))
        };
        let mut hits = Vec::new();
        let mut names = self.conn.prepare_cached(
            "SELECT id, customer_name FROM conversations
             WHERE search_name LIKE '%' || ?1 || '%' ESCAPE '\\'
             ORDER BY updated_time DESC, id DESC",
        )?;
        let pattern = folded
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut rows = names.query([pattern])?;
        while let Some(row) = rows.next()? {
            if hits.len() >= limit {
                break;
            }
            if carries(&row.get::<_, String>(1)?) {
                hits.push(SearchHit {
                    conversation_id: row.get(0)?,
                    message_row: None,
                });
            }
        }
        let names_found = hits.len();
        let more = |hits: &mut Vec<SearchHit>, row: &Row<'_>| -> Result<bool> {
            if hits.len() - names_found >= limit {
                return Ok(false);
            }
            if carries(&row.get::<_, String>(2)?) {
                hits.push(SearchHit {
                    conversation_id: row.get(0)?,
                    message_row: Some(row.get(1)?),
                });
            }
            Ok(true)
        };
        if self.conn.engine() == db::Engine::Sqlite {
            let query: Vec<String> = words.iter().map(|w| format!("\"{w}\"*")).collect();
            let mut messages = self.conn.prepare_cached(
                "SELECT m.conversation_id, m.id, m.text, s.rowid FROM message_search s
                 JOIN messages m ON m.search_key = s.rowid
                 WHERE message_search MATCH ?1 ORDER BY s.rowid DESC",
            )?;
            let mut rows = messages.query([query.join(" ")])?;
            while let Some(row) = rows.next()? {
                if !more(&mut hits, &row)? {
                    break;
                }
            }
            return Ok(hits);
        }
        // PostgreSQL: each word begins a word of the folded text (the trigram index finds the
        // candidates), newest first, read a batch at a time until enough are found. A word
        // begins after anything not a letter or digit, `_` included ("SP_01"), as SQLite's
        // index splits words.
        let conditions: Vec<String> = (1..=words.len())
            .map(|n| format!("s.folded ~ ('(^|[^[:alnum:]])' || ${n})"))
            .collect();
        let sql = format!(
            "SELECT m.conversation_id, m.id, m.text, s.search_key FROM message_search s
             JOIN messages m ON m.search_key = s.search_key
             WHERE {} AND s.search_key < ${} ORDER BY s.search_key DESC LIMIT {SEARCH_BATCH}",
            conditions.join(" AND "),
            words.len() + 1
        );
        let mut below = i64::MAX;
        loop {
            let mut values: Vec<rusqlite::types::Value> =
                words.iter().map(|w| w.clone().into()).collect();
            values.push(below.into());
            let mut statement = self.conn.prepare_cached(&sql)?;
            let mut rows = statement.query(db::params_from_iter(values))?;
            let mut read = 0;
            while let Some(row) = rows.next()? {
                read += 1;
                below = row.get(3)?;
                if !more(&mut hits, &row)? {
                    return Ok(hits);
                }
            }
            if read < SEARCH_BATCH {
                return Ok(hits);
            }
        }
    }

    /// A number that changes whenever another connection (another pagedesk, or this one's
    /// engine) commits: the cue to read again.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.data_version()?)
    }

    /// A connection waiting for other connections' changes, where the engine can tell (see
    /// [`db::ChangesHeard`]).
    pub fn changes_heard(&self) -> Option<db::ChangesHeard> {
        self.conn.changes_heard()
    }

    /// SQLite's own check of the database file: `["ok"]` when sound.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .sqlite_only("integrity check")?
            .prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many messages a conversation has (all of them when `None`).
    pub fn message_count(&self, conversation_id: Option<&ConversationId>) -> Result<usize> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE CAST(?1 AS TEXT) IS NULL OR conversation_id = ?1",
            [conversation_id],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }

    /// Staff opened the conversation: nothing in it is unread any more.
    pub fn mark_read(&mut self, conversation_id: &ConversationId) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE conversations SET unread_count = 0 WHERE id = ?1 AND unread_count <> 0",
            [conversation_id],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use std::collections::HashSet;

    fn message(id: &str, direction: Direction, text: &str, minutes_ago: i64) -> NewMessage {
        NewMessage {
            fb_id: id.into(),
            direction,
            from_id: if direction == Direction::In {
                "u".into()
            } else {
                "p".into()
            },
            from_name: "x".into(),
            text: text.to_owned(),
            sticker: None,
            attachments: Vec::new(),
            shares: Vec::new(),
            created_time: Utc::now() - Duration::minutes(minutes_ago),
            unavailable: false,
            reply_to: None,
        }
    }

    fn conversation(
        id: &str,
        name: &str,
        folder: Folder,
        messages: Vec<NewMessage>,
    ) -> ConversationUpdate {
        ConversationUpdate {
            id: id.to_owned().into(),
            page_id: "p".into(),
            folder,
            customer_id: format!("u-{id}").into(),
            customer_name: name.to_owned(),
            snippet: messages.last().map(|m| m.text.clone()).unwrap_or_default(),
            updated_time: messages.last().map(|m| m.created_time).unwrap(),
            unread_estimate: 1,
            can_reply: true,
            messages,
        }
    }

    /// The ids of a list, in its order.
    fn ids(store: &Store, query: &ListQuery) -> Vec<String> {
        store
            .conversations(query)
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect()
    }

    #[test]
    fn a_last_message_that_is_only_a_shared_link_is_carried_as_that_link() {
        let (_dir, mut store) = store();
        let mut shared = message("m_share", Direction::In, "", 1);
        shared.shares = vec![SharedLink {
            link: "https://shop.example/vay".into(),
            name: Some("Váy hoa nhí".into()),
        }];
        store
            .apply_conversation(&conversation("t_share", "Lan", Folder::Inbox, vec![shared]))
            .unwrap();
        let row = store.conversation(&"t_share".into()).unwrap().unwrap();
        assert_eq!(row.carried, Some(Carried::Link("Váy hoa nhí".into())));
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store.upsert_page("p", "Shop").unwrap();
        store
            .apply_conversation(&conversation(
                "t_1",
                "Nguyễn Thị Lan",
                Folder::Inbox,
                vec![message("m_1", Direction::In, "Giá đầm đỏ bao nhiêu?", 30)],
            ))
            .unwrap();
        store
            .apply_conversation(&conversation(
                "t_2",
                "Đặng Ngọc Ánh",
                Folder::Spam,
                vec![
                    message("m_2", Direction::In, "Serum còn không?", 20),
                    message("m_3", Direction::Out, "Dạ còn ạ", 10),
                ],
            ))
            .unwrap();
        store
            .apply_conversation(&conversation(
                "t_3",
                "Trần Văn Minh",
                Folder::Inbox,
                vec![message("m_4", Direction::In, "Giao hàng mấy ngày?", 5)],
            ))
            .unwrap();
        (dir, store)
    }

    #[test]
    fn search_ignores_diacritics_and_finds_names_and_messages() {
        let (_dir, store) = store();
        let hits = store.search("gia", 10).unwrap();
        let conversations: Vec<&str> = hits.iter().map(|h| h.conversation_id.as_str()).collect();
        // "Giao" (newest) and "Giá" both start with "gia".
        assert_eq!(conversations, ["t_3", "t_1"]);
        assert!(hits.iter().all(|h| h.message_row.is_some()));
        let hits = store.search("dam do", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].conversation_id, "t_1");
        let by_name = store.search("ngoc anh", 10).unwrap();
        assert_eq!(
            by_name[0],
            SearchHit {
                conversation_id: "t_2".into(),
                message_row: None
            }
        );
        assert!(store.search("\"*", 10).unwrap().is_empty());
    }

    /// Two messages of one second whose rows differ by 2^20 would share a search key: the
    /// second takes the next free one, and both are found.
    #[test]
    fn two_messages_whose_search_keys_would_meet_are_both_found() {
        let (_dir, mut store) = store();
        let at = Utc::now();
        let mut first = message("m_a", Direction::In, "Áo khoác còn không", 0);
        first.created_time = at;
        store
            .apply_conversation(&conversation("t_a", "Lan", Folder::Inbox, vec![first]))
            .unwrap();
        let row: i64 = store
            .conn
            .query_row("SELECT id FROM messages WHERE fb_id = 'm_a'", [], |r| {
                r.get(0)
            })
            .unwrap();
        // The next message stored gets the row 2^20 after the first's.
        store
            .conn
            .execute_batch(&format!(
                "INSERT INTO messages (id, conversation_id, direction, from_id, from_name, text,
                    created_time, status)
                 VALUES ({}, 't_a', 'in', 'u', 'x', '', 0, 'sent')",
                row + (1 << 20) - 1
            ))
            .unwrap();
        let mut second = message("m_b", Direction::In, "Áo khoác size L", 0);
        second.created_time = at;
        store
            .apply_conversation(&conversation("t_b", "Hà", Folder::Inbox, vec![second]))
            .unwrap();
        let found: HashSet<String> = store
            .search("ao khoac", 10)
            .unwrap()
            .into_iter()
            .map(|hit| hit.conversation_id.to_string())
            .collect();
        assert_eq!(found, HashSet::from(["t_a".into(), "t_b".into()]));
    }

    #[test]
    fn a_customer_waits_from_their_first_unanswered_message_until_a_reply_stands() {
        let (_dir, mut store) = store();
        store
            .apply_conversation(&conversation(
                "t_9",
                "Lê Thu Hà",
                Folder::Inbox,
                vec![
                    message("m_91", Direction::In, "Còn size M không?", 60),
                    message("m_92", Direction::Out, "Dạ còn ạ", 50),
                    message("m_93", Direction::In, "Giá bao nhiêu?", 30),
                    message("m_94", Direction::In, "Shop ơi?", 10),
                ],
            ))
            .unwrap();
        let waiting = |store: &Store| {
            store
                .conversation(&"t_9".into())
                .unwrap()
                .unwrap()
                .waiting_since
                .map(|t| ((Utc::now() - t).num_seconds() + 30) / 60)
        };
        assert_eq!(
            waiting(&store),
            Some(30),
            "from the first of the two unanswered"
        );
        let reply = store
            .enqueue_reply(&"t_9".into(), "Dạ 350k ạ", Utc::now())
            .unwrap();
        assert_eq!(waiting(&store), None, "answered");
        store
            .mark_reply_failed(reply, "refused", ReplyProblem::Refused, false)
            .unwrap();
        assert_eq!(waiting(&store), Some(30), "a refused reply answers nothing");
    }

    #[test]
    fn filters_count_and_list_the_right_conversations() {
        let (_dir, mut store) = store();
        let counts = store.filter_counts(None).unwrap();
        assert_eq!(
            counts,
            FilterCounts {
                all: 3,
                spam: 1,
                unread: 3,
                unreplied: 2,
                done: 0,
                mine: 0,
                not_sent: 0,
                comments: 0,
                orders: 0,
            }
        );
        let unreplied = ListQuery {
            page_id: None,
            filter: Filter::Unreplied,
            ..ListQuery::default()
        };
        let ids: Vec<String> = store
            .conversations(&unreplied)
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(ids, ["t_3", "t_1"]);
        store.mark_read(&"t_3".into()).unwrap();
        assert_eq!(store.filter_counts(Some(&"p".into())).unwrap().unread, 2);
        // A reply makes it replied at once, even before it is sent.
        store
            .enqueue_reply(&"t_1".into(), "Dạ 350k ạ", Utc::now())
            .unwrap();
        assert_eq!(store.filter_counts(None).unwrap().unreplied, 1);
    }

    #[test]
    fn a_done_conversation_leaves_all_unread_and_unreplied_until_the_buyer_writes_again() {
        let (_dir, store) = store();
        let mut store = store.as_staff("Hà");
        // Marked done an hour ago: the fixture's messages are minutes old.
        assert!(
            store
                .mark_done(&"t_3".into(), true, Utc::now() - Duration::hours(1))
                .unwrap()
        );
        let counts = store.filter_counts(None).unwrap();
        assert_eq!(
            (counts.all, counts.unread, counts.unreplied, counts.done),
            (2, 2, 1, 1)
        );
        assert_eq!(store.unread_by_page().unwrap(), [("p".into(), 2)]);
        let on_the_page = store.filter_counts(Some(&"p".into())).unwrap();
        assert_eq!((on_the_page.all, on_the_page.done), (2, 1));
        let done = store.conversation(&"t_3".into()).unwrap().unwrap();
        assert!(done.done);
        assert_eq!(done.done_by.as_deref(), Some("Hà"));
        let listed = |store: &Store, filter| {
            ids(
                store,
                &ListQuery {
                    filter,
                    ..ListQuery::default()
                },
            )
        };
        assert_eq!(listed(&store, Filter::Done), ["t_3"]);
        assert!(!listed(&store, Filter::All).contains(&"t_3".to_owned()));
        // Our own reply keeps it done; the buyer writing again opens it.
        store
            .apply_conversation(&conversation(
                "t_3",
                "Trần Văn Minh",
                Folder::Inbox,
                vec![
                    message("m_4", Direction::In, "Giao hàng mấy ngày?", 5),
                    message("m_5", Direction::Out, "Dạ 2 ngày ạ", 4),
                ],
            ))
            .unwrap();
        assert!(store.conversation(&"t_3".into()).unwrap().unwrap().done);
        store
            .apply_conversation(&conversation(
                "t_3",
                "Trần Văn Minh",
                Folder::Inbox,
                vec![message(
                    "m_6",
                    Direction::In,
                    "Shop ơi đổi size được không?",
                    1,
                )],
            ))
            .unwrap();
        let reopened = store.conversation(&"t_3".into()).unwrap().unwrap();
        assert!(!reopened.done && reopened.done_by.is_none());
        // An older message of the buyer's that a later read brings does not open it.
        assert!(store.mark_done(&"t_3".into(), true, Utc::now()).unwrap());
        store
            .apply_conversation(&conversation(
                "t_3",
                "Trần Văn Minh",
                Folder::Inbox,
                vec![message("m_0", Direction::In, "alo", 600)],
            ))
            .unwrap();
        assert!(store.conversation(&"t_3".into()).unwrap().unwrap().done);
        assert!(store.mark_done(&"t_3".into(), false, Utc::now()).unwrap());
        assert_eq!(store.filter_counts(None).unwrap().done, 0);
        // Marked done in Meta Business Suite: done when it comes into the Done folder, and
        // staff taking it back here is not undone while it stays listed there.
        let in_done: HashSet<ConversationId> = ["t_1".into()].into();
        store
            .listed_done(&"p".into(), &in_done, &[], Utc::now())
            .unwrap();
        let t1 = store.conversation(&"t_1".into()).unwrap().unwrap();
        assert_eq!(t1.done_by.as_deref(), Some(DONE_IN_META));
        assert!(store.mark_done(&"t_1".into(), false, Utc::now()).unwrap());
        store
            .listed_done(&"p".into(), &in_done, &[], Utc::now())
            .unwrap();
        assert!(!store.conversation(&"t_1".into()).unwrap().unwrap().done);
        // Out of the Done folder and into it again: done again.
        store
            .listed_done(&"p".into(), &HashSet::new(), &[], Utc::now())
            .unwrap();
        store
            .listed_done(&"p".into(), &in_done, &[], Utc::now())
            .unwrap();
        assert!(store.conversation(&"t_1".into()).unwrap().unwrap().done);
        assert!(!store.mark_done(&"t_404".into(), true, Utc::now()).unwrap());
    }

    #[test]
    fn labels_narrow_a_list_to_any_or_all_of_them_and_rename_and_delete_everywhere() {
        let (_dir, store) = store();
        let mut store = store.as_staff("Hà");
        let now = Utc::now();
        let waiting = store.create_label("chờ chuyển khoản", None, now).unwrap();
        let closed = store.create_label("đã chốt", None, now).unwrap();
        assert_ne!(waiting.colour, closed.colour, "neighbours differ");
        assert!(matches!(
            store.create_label("Đã Chốt", None, now),
            Err(StoreError::LabelExists(_))
        ));
        assert!(matches!(
            store.create_label(" \u{1b}[2J ", None, now),
            Err(StoreError::EmptyLabel)
        ));
        assert!(
            store
                .set_label(&"t_1".into(), waiting.id, true, now)
                .unwrap()
        );
        assert!(
            !store
                .set_label(&"t_1".into(), waiting.id, true, now)
                .unwrap()
        );
        store
            .set_label(&"t_1".into(), closed.id, true, now)
            .unwrap();
        store
            .set_label(&"t_2".into(), waiting.id, true, now)
            .unwrap();
        let listed = |store: &Store, labels: Vec<i64>, label_match| {
            ids(
                store,
                &ListQuery {
                    labels,
                    label_match,
                    ..ListQuery::default()
                },
            )
        };
        let both = vec![waiting.id, closed.id];
        assert_eq!(
            listed(&store, both.clone(), LabelMatch::Any),
            ["t_2", "t_1"]
        );
        assert_eq!(listed(&store, both.clone(), LabelMatch::All), ["t_1"]);
        let scope = ListQuery {
            labels: vec![waiting.id],
            ..ListQuery::default()
        };
        let counts = store.filter_counts_in(&scope).unwrap();
        assert_eq!((counts.all, counts.spam, counts.done), (2, 1, 0));
        let row = store.conversation(&"t_1".into()).unwrap().unwrap();
        let names: Vec<&str> = row.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["chờ chuyển khoản", "đã chốt"]);
        // Renamed: every conversation carries the new name.
        store.rename_label(waiting.id, "chờ CK").unwrap();
        assert_eq!(
            store.conversation(&"t_2".into()).unwrap().unwrap().labels[0].name,
            "chờ CK"
        );
        assert!(matches!(
            store.rename_label(waiting.id, "ĐÃ CHỐT"),
            Err(StoreError::LabelExists(_))
        ));
        // A name longer than is kept is found by what is kept.
        let long = "giao lại đơn cho khách ở tỉnh xa, chờ xác nhận địa chỉ mới";
        let kept = store.create_label(long, None, now).unwrap();
        assert_eq!(kept.name.chars().count(), 40);
        assert_eq!(store.label_named(long).unwrap().unwrap().id, kept.id);
        store.delete_label(kept.id).unwrap();
        // Deleted: off every conversation, and putting it on says so.
        assert_eq!(store.delete_label(waiting.id).unwrap(), 2);
        assert!(matches!(
            store.set_label(&"t_1".into(), waiting.id, true, now),
            Err(StoreError::NoLabel)
        ));
        assert!(
            store
                .conversation(&"t_2".into())
                .unwrap()
                .unwrap()
                .labels
                .is_empty()
        );
        assert_eq!(listed(&store, both, LabelMatch::Any), ["t_1"]);
        assert_eq!(store.labels().unwrap().len(), 1);
    }

    #[test]
    fn new_conversations_go_in_turn_to_the_staff_on_shift_and_mine_lists_them() {
        let (_dir, mut store) = store();
        let team: Vec<String> = ["Hà", "Minh", "Lan"].map(String::from).into();
        let new: Vec<ConversationId> = ["t_1", "t_2", "t_3"].map(ConversationId::from).into();
        let now = Utc::now();
        // Nobody on shift: nobody gets one.
        assert!(store.assign_in_turn(&new, &team, now).unwrap().is_empty());
        store.set_available("Hà", true, now).unwrap();
        store.set_available("Lan", true, now).unwrap();
        let given = store.assign_in_turn(&new[..2], &team, now).unwrap();
        assert_eq!(
            given,
            [("t_1".into(), "Hà".into()), ("t_2".into(), "Lan".into())]
        );
        // The next turn is Hà's again; one already assigned is not given twice.
        let given = store.assign_in_turn(&new, &team, now).unwrap();
        assert_eq!(given, [("t_3".into(), "Hà".to_owned())]);
        let hà = store.as_staff("Hà");
        let mine = ListQuery {
            filter: Filter::Mine,
            ..ListQuery::default()
        };
        assert_eq!(ids(&hà, &mine), ["t_3", "t_1"]);
        assert_eq!(hà.filter_counts(None).unwrap().mine, 2);
        let mut hà = hà;
        hà.mark_done(&"t_3".into(), true, now).unwrap();
        assert_eq!(hà.filter_counts(None).unwrap().mine, 1);
        hà.assign(&"t_1".into(), None, now).unwrap();
        assert_eq!(
            hà.conversation(&"t_1".into()).unwrap().unwrap().assignee,
            None
        );
    }

    #[test]
    fn two_connections_at_once_give_each_new_conversation_once() {
        let (dir, mut store) = store();
        let team: Vec<String> = ["Hà", "Minh"].map(String::from).into();
        store.set_available("Hà", true, Utc::now()).unwrap();
        store.set_available("Minh", true, Utc::now()).unwrap();
        let new: Vec<ConversationId> = ["t_1", "t_2", "t_3"].map(ConversationId::from).into();
        // Two connections at once, as the inbox's engine and `pagedesk serve`'s webhooks.
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let given: Vec<Vec<(ConversationId, String)>> = (0..2)
            .map(|_| {
                let (path, start, new, team) = (
                    dir.path().to_owned(),
                    start.clone(),
                    new.clone(),
                    team.clone(),
                );
                std::thread::spawn(move || {
                    let mut other = Store::open(&path).unwrap();
                    start.wait();
                    other.assign_in_turn(&new, &team, Utc::now()).unwrap()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let mut all: Vec<ConversationId> = given.concat().into_iter().map(|(id, _)| id).collect();
        all.sort();
        assert_eq!(all, new, "each once, by one of them");
        let count = |name: &str| {
            new.iter()
                .filter(|id| {
                    store.conversation(id).unwrap().unwrap().assignee.as_deref() == Some(name)
                })
                .count()
        };
        assert_eq!((count("Hà"), count("Minh")), (2, 1));
    }

    #[test]
    fn a_window_and_a_position_agree_with_the_whole_list() {
        let (_dir, store) = store();
        let all = ListQuery {
            page_id: Some("p".into()),
            filter: Filter::All,
            ..ListQuery::default()
        };
        let whole: Vec<String> = store
            .conversations(&all)
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        let window: Vec<String> = store
            .conversation_window(&all, 1, 1)
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(window, [whole[1].clone()]);
        for (index, id) in whole.iter().enumerate() {
            assert_eq!(store.position_in(&all, &id.into()).unwrap(), Some(index));
        }
        let spam = ListQuery {
            page_id: None,
            filter: Filter::Spam,
            ..ListQuery::default()
        };
        assert_eq!(store.position_in(&spam, &"t_1".into()).unwrap(), None);
        assert_eq!(store.position_in(&spam, &"t_2".into()).unwrap(), Some(0));
    }

    #[test]
    fn a_tagged_reply_facebook_took_lifts_the_pages_human_agent_refusal() {
        let (_dir, mut store) = store();
        store.refuse_human_agent(&"p".into()).unwrap();
        let plain = store
            .enqueue_reply(&"t_1".into(), "Dạ", Utc::now())
            .unwrap();
        store
            .mark_reply_sent(plain, &"m_plain".into(), false, Utc::now())
            .unwrap();
        assert!(
            store.human_agent_refused(&"p".into()).unwrap(),
            "a plain reply says nothing"
        );
        let tagged = store
            .enqueue_reply(&"t_3".into(), "Dạ", Utc::now())
            .unwrap();
        store
            .mark_reply_sent(tagged, &"m_tagged".into(), true, Utc::now())
            .unwrap();
        assert!(!store.human_agent_refused(&"p".into()).unwrap());
        assert!(
            !store.lift_human_agent_refusal(&"p".into()).unwrap(),
            "nothing left to lift"
        );
    }

    #[test]
    fn a_failed_reply_can_be_retried_once_and_leaves_the_customer_unanswered_while_failed() {
        let (_dir, mut store) = store();
        let id = store
            .enqueue_reply(&"t_1".into(), "Dạ", Utc::now())
            .unwrap();
        store
            .mark_reply_failed(
                id,
                "Facebook had a problem",
                crate::model::ReplyProblem::Facebook,
                true,
            )
            .unwrap();
        assert_eq!(store.filter_counts(None).unwrap().unreplied, 2);
        assert!(store.retry_reply(id, Utc::now()).unwrap());
        assert!(
            !store.retry_reply(id, Utc::now()).unwrap(),
            "it is pending now, not failed"
        );
        assert_eq!(store.due_replies(Utc::now()).unwrap().len(), 1);
        let refused = store
            .enqueue_reply(&"t_3".into(), "Dạ", Utc::now())
            .unwrap();
        store
            .mark_reply_failed(
                refused,
                "outside the messaging window",
                crate::model::ReplyProblem::Window,
                false,
            )
            .unwrap();
        assert!(
            !store.retry_reply(refused, Utc::now()).unwrap(),
            "Facebook's rules forbid it"
        );
    }
}
