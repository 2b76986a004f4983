//! What a team shares about conversations and customers: labels, who has a conversation, who
//! is on shift for new ones, and notes about a customer. Every change is a write of its own,
//! read by every open inbox at its next look at the database.

use super::db::Optional;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::*;
use crate::model::{Label, LabelColour};

/// The longest label name kept: a list row shows a few of them beside a name.
const LABEL_NAME_CHARS: usize = 40;

/// A label and how many conversations carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelRow {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub colour: String,
    pub conversations: usize,
}

/// Whether a staff member takes new conversations now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffStatus {
    pub name: String,
    pub available: bool,
    pub changed_at: DateTime<Utc>,
}

/// Something staff wrote about a customer: internal, never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// Everything pagedesk knows of the person behind a conversation.
#[derive(Debug, Clone)]
pub struct Customer {
    /// The conversation they were looked up from: notes written in the panel go to them.
    pub conversation_id: ConversationId,
    pub name: String,
    /// The page-scoped id Facebook gives the person (a PSID).
    pub psid: Psid,
    pub page_name: String,
    /// Their first message (or the page's first to them) that pagedesk has.
    pub first_contact: Option<DateTime<Utc>>,
    /// Other pages where someone of the same name wrote: Facebook gives each page its own id
    /// for a person, so a name is all that links them (maybe the same buyer).
    pub same_name_elsewhere: Vec<String>,
    /// Phone numbers found in their messages, newest first, then those their orders were
    /// taken with; addresses found in their messages, newest first.
    pub phones: Vec<String>,
    pub addresses: Vec<String>,
    pub labels: Vec<Label>,
    pub assignee: Option<String>,
    /// Where they came from, the newest (an ad, a link).
    pub referral: Option<crate::model::Referral>,
    /// Oldest first.
    pub notes: Vec<Note>,
    /// Their other conversations on the page, newest first: their threads of comments and
    /// their Messenger conversation, linked by the same id or by the private reply that
    /// reached them.
    pub elsewhere: Vec<ConversationRow>,
    /// Their orders by state, on every page, found by the phones they wrote or ordered with.
    pub orders: std::collections::BTreeMap<crate::orders::OrderState, usize>,
}

/// The ids one person has on page `?1` besides `?2`: a commenter's and the Messenger PSID a
/// private reply to them reached are one person.
const SAME_PERSON: &str = "WITH person(id) AS (
        SELECT ?2
        UNION SELECT psid FROM comment_people WHERE page_id = ?1 AND commenter_id = ?2
        UNION SELECT commenter_id FROM comment_people WHERE page_id = ?1 AND psid = ?2)";

fn label_row(r: &Row<'_>) -> db::Result<LabelRow> {
    Ok(LabelRow {
        id: r.get("id")?,
        name: r.get("name")?,
        colour: r.get("colour")?,
        conversations: r.get::<_, i64>("conversations")? as usize,
    })
}

/// What a label row is read from, each column named as `label_row` reads it.
const LABEL_COLUMNS: &str = "l.id, l.name, l.colour,
    (SELECT COUNT(*) FROM conversation_labels cl WHERE cl.label_id = l.id) AS conversations";

/// A label's name as staff typed it, cleaned of what a terminal would act on, and as long as
/// it is kept.
fn label_name(typed: &str) -> Result<String> {
    let name: String = crate::text::clean_line(typed)
        .trim()
        .chars()
        .take(LABEL_NAME_CHARS)
        .collect();
    if name.is_empty() {
        return Err(StoreError::EmptyLabel);
    }
    Ok(name)
}

/// What makes two names one label: the same letters as kept, whatever their case.
fn label_key(typed: &str) -> String {
    label_name(typed).unwrap_or_default().to_lowercase()
}

fn label_taken(tx: &Tx<'_>, name: &str, except: i64) -> db::Result<bool> {
    tx.prepare_cached("SELECT 1 FROM labels WHERE name_key = ?1 AND id <> ?2")?
        .exists(params![label_key(name), except])
}

impl Store {
    // Labels.

    /// Every label, by name.
    pub fn labels(&self) -> Result<Vec<LabelRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LABEL_COLUMNS} FROM labels l ORDER BY lower(l.name)"
        ))?;
        let rows = stmt.query_map([], label_row)?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// The label of that name, whatever its case.
    pub fn label_named(&self, name: &str) -> Result<Option<LabelRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {LABEL_COLUMNS} FROM labels l WHERE l.name_key = ?1"
            ))?
            .query_row([label_key(name)], label_row)
            .optional()?)
    }

    /// A new label, in `colour` or the one after the newest label's; one of that name already
    /// there is refused.
    pub fn create_label(
        &mut self,
        name: &str,
        colour: Option<LabelColour>,
        at: DateTime<Utc>,
    ) -> Result<LabelRow> {
        let name = label_name(name)?;
        let staff = self.staff.clone();
        let tx = self.write()?;
        if label_taken(&tx, &name, 0)? {
            return Err(StoreError::LabelExists(name));
        }
        let colour = match colour {
            Some(colour) => colour,
            None => {
                let newest: Option<String> = tx
                    .query_row(
                        "SELECT colour FROM labels ORDER BY id DESC LIMIT 1",
                        [],
                        |r| r.get(0),
                    )
                    .optional()?;
                LabelColour::after(newest.as_deref().map(LabelColour::parse))
            }
        };
        tx.execute(
            "INSERT INTO labels (name, name_key, colour, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                name,
                label_key(&name),
                colour.as_str(),
                staff,
                at.timestamp()
            ],
        )?;
        let id = tx.last_insert_rowid()?;
        tx.commit()?;
        Ok(LabelRow {
            id,
            name,
            colour: colour.as_str().to_owned(),
            conversations: 0,
        })
    }

    /// Puts the label on the conversation (`on`) or takes it off; whether that changed anything.
    pub fn set_label(
        &mut self,
        conversation_id: &ConversationId,
        label_id: i64,
        on: bool,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        if !tx
            .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
            .exists([conversation_id])?
        {
            return Err(StoreError::NoConversation(conversation_id.to_string()));
        }
        // Deleted meanwhile, in another inbox: said rather than nothing done silently.
        if !tx
            .prepare_cached("SELECT 1 FROM labels WHERE id = ?1")?
            .exists([label_id])?
        {
            return Err(StoreError::NoLabel);
        }
        let changed = if on {
            tx.execute(
                "INSERT INTO conversation_labels (label_id, conversation_id, added_by, added_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![label_id, conversation_id, staff, at.timestamp()],
            )?
        } else {
            tx.execute(
                "DELETE FROM conversation_labels WHERE label_id = ?1 AND conversation_id = ?2",
                params![label_id, conversation_id],
            )?
        };
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Renames a label everywhere at once; a name another label has is refused.
    pub fn rename_label(&mut self, label_id: i64, name: &str) -> Result<String> {
        let name = label_name(name)?;
        let tx = self.write()?;
        if label_taken(&tx, &name, label_id)? {
            return Err(StoreError::LabelExists(name));
        }
        tx.execute(
            "UPDATE labels SET name = ?2, name_key = ?3 WHERE id = ?1",
            params![label_id, name, label_key(&name)],
        )?;
        tx.commit()?;
        Ok(name)
    }

    pub fn recolour_label(&mut self, label_id: i64, colour: LabelColour) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE labels SET colour = ?2 WHERE id = ?1",
            params![label_id, colour.as_str()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a label and takes it off every conversation; how many carried it.
    pub fn delete_label(&mut self, label_id: i64) -> Result<usize> {
        let tx = self.write()?;
        let carried: i64 = tx.query_row(
            "SELECT COUNT(*) FROM conversation_labels WHERE label_id = ?1",
            [label_id],
            |r| r.get(0),
        )?;
        // The conversations' entries go with it (ON DELETE CASCADE).
        tx.execute("DELETE FROM labels WHERE id = ?1", [label_id])?;
        tx.commit()?;
        Ok(carried as usize)
    }

    // Assignment.

    /// Gives the conversation to `staff` (nobody when `None`); whether there was one.
    pub fn assign(
        &mut self,
        conversation_id: &ConversationId,
        staff: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE conversations SET assignee = ?2, assigned_at = ?3 WHERE id = ?1",
            params![conversation_id, staff, staff.map(|_| at.timestamp())],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Says whether `name` takes new conversations now.
    pub fn set_available(&mut self, name: &str, available: bool, at: DateTime<Utc>) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO staff_status (name, available, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET available = excluded.available,
                changed_at = excluded.changed_at",
            params![name, available, at.timestamp()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Who said they are available or away, and when.
    pub fn staff_status(&self) -> Result<Vec<StaffStatus>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, available, changed_at FROM staff_status ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(StaffStatus {
                name: r.get(0)?,
                available: r.get(1)?,
                changed_at: to_time(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// Gives each of these conversations that nobody has yet to the next of `team` (in its
    /// order) marked available, in turn, continuing from whoever had the last turn; what was
    /// given to whom. Nobody available: nothing is given.
    pub fn assign_in_turn(
        &mut self,
        conversation_ids: &[ConversationId],
        team: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<(ConversationId, String)>> {
        let tx = self.write()?;
        let available: Vec<String> = {
            let mut stmt =
                tx.prepare_cached("SELECT 1 FROM staff_status WHERE name = ?1 AND available = 1")?;
            let mut on_shift = Vec::new();
            for name in team {
                if stmt.exists([name])? {
                    on_shift.push(name.clone());
                }
            }
            on_shift
        };
        let mut given = Vec::new();
        if available.is_empty() {
            return Ok(given);
        }
        let last: Option<String> = tx
            .query_row("SELECT last_assignee FROM round_robin", [], |r| r.get(0))
            .optional()?;
        // The first on shift after whoever had the last turn, in the team's order (even if
        // that one has left the shift since).
        let place = |name: &str| team.iter().position(|n| n == name);
        let mut turn = match last.as_deref().and_then(place) {
            Some(at) => available
                .iter()
                .position(|name| place(name) > Some(at))
                .unwrap_or(0),
            None => 0,
        };
        for id in conversation_ids {
            let name = &available[turn % available.len()];
            let changed = tx
                .prepare_cached(
                    "UPDATE conversations SET assignee = ?2, assigned_at = ?3
                     WHERE id = ?1 AND assignee IS NULL",
                )?
                .execute(params![id, name, at.timestamp()])?;
            if changed > 0 {
                tx.execute(
                    "INSERT INTO round_robin (\"only\", last_assignee) VALUES (1, ?1)
                     ON CONFLICT(\"only\") DO UPDATE SET last_assignee = excluded.last_assignee",
                    [name],
                )?;
                given.push((id.clone(), name.clone()));
                turn += 1;
            }
        }
        tx.commit()?;
        Ok(given)
    }

    // Customers.

    /// Writes a note about the customer of a conversation.
    pub fn add_note(
        &mut self,
        conversation_id: &ConversationId,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        // Cleaning cuts a longer text at the limit and marks the cut (`…`): such a note is
        // refused whole rather than kept cut.
        let cleaned = crate::text::clean(text);
        if cleaned.chars().count() > crate::text::MAX_TEXT_CHARS {
            return Err(StoreError::NoteTooLong);
        }
        let text = cleaned.trim().to_owned();
        if text.is_empty() {
            return Err(StoreError::EmptyNote);
        }
        let staff = self.staff.clone();
        let tx = self.write()?;
        let inserted = tx.execute(
            "INSERT INTO customer_notes (page_id, customer_id, author, text, created_at)
             SELECT page_id, customer_id, ?2, ?3, ?4 FROM conversations WHERE id = ?1",
            params![conversation_id, staff, text, at.timestamp()],
        )?;
        if inserted == 0 {
            return Err(StoreError::NoConversation(conversation_id.to_string()));
        }
        tx.commit()?;
        Ok(())
    }

    /// The person behind a conversation, as far as pagedesk knows them.
    pub fn customer(&self, conversation_id: &ConversationId) -> Result<Option<Customer>> {
        let Some(conversation) = self.conversation(conversation_id)? else {
            return Ok(None);
        };
        let first_contact: Option<i64> = self.conn.query_row(
            &format!(
                "{SAME_PERSON} SELECT MIN(m.created_time) FROM messages m JOIN conversations c
                    ON c.id = m.conversation_id
                 WHERE c.page_id = ?1 AND c.customer_id IN (SELECT id FROM person)"
            ),
            params![conversation.page_id, conversation.customer_id],
            |r| r.get(0),
        )?;
        let same_name_elsewhere = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT p.name FROM conversations c JOIN pages p ON p.id = c.page_id
                 WHERE c.customer_name = ?1 AND c.page_id <> ?2 ORDER BY p.name",
            )?
            .query_map(
                params![conversation.customer_name, conversation.page_id],
                |r| r.get(0),
            )?
            .collect::<db::Result<_>>()?;
        let said: Vec<String> = self
            .conn
            .prepare_cached(&format!(
                "{SAME_PERSON} SELECT m.text FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.page_id = ?1 AND c.customer_id IN (SELECT id FROM person) AND m.direction = 'in'
                 ORDER BY m.created_time DESC, m.id DESC"
            ))?
            .query_map(
                params![conversation.page_id, conversation.customer_id],
                |r| r.get(0),
            )?
            .collect::<db::Result<_>>()?;
        let mut phones = Vec::new();
        let mut addresses = Vec::new();
        for text in &said {
            for (_, number) in crate::text::phone_numbers(text) {
                if !phones.contains(&number) {
                    phones.push(number);
                }
            }
            for address in crate::text::addresses(text) {
                if !addresses.contains(&address) {
                    addresses.push(address);
                }
            }
        }
        // The phones their orders were taken with count too: a buyer is known across pages by
        // phone (each page has its own id for her).
        let ordered: Vec<String> = self
            .conn
            .prepare_cached(&format!(
                "{SAME_PERSON} SELECT DISTINCT o.phone FROM orders o
                 JOIN conversations c ON c.id = o.conversation_id
                 WHERE c.page_id = ?1 AND c.customer_id IN (SELECT id FROM person)"
            ))?
            .query_map(
                params![conversation.page_id, conversation.customer_id],
                |r| r.get(0),
            )?
            .collect::<db::Result<_>>()?;
        let mut orders = std::collections::BTreeMap::new();
        let mut known = phones.clone();
        known.extend(ordered.into_iter().filter(|p| !phones.contains(p)));
        for phone in &known {
            for (state, count) in self.phone_history(phone)? {
                *orders.entry(state).or_insert(0) += count;
            }
        }
        let notes = self
            .conn
            .prepare_cached(
                "SELECT author, text, created_at FROM customer_notes
                 WHERE page_id = ?1 AND customer_id = ?2 ORDER BY created_at, id",
            )?
            .query_map(
                params![conversation.page_id, conversation.customer_id],
                |r| {
                    Ok(Note {
                        author: r.get(0)?,
                        text: r.get(1)?,
                        created_at: to_time(r.get(2)?),
                    })
                },
            )?
            .collect::<db::Result<_>>()?;
        let others: Vec<ConversationId> = self
            .conn
            .prepare_cached(&format!(
                "{SAME_PERSON} SELECT c.id FROM conversations c
                 WHERE c.page_id = ?1 AND c.customer_id IN (SELECT id FROM person) AND c.id <> ?3
                 ORDER BY c.updated_time DESC, c.id DESC LIMIT 20"
            ))?
            .query_map(
                params![
                    conversation.page_id,
                    conversation.customer_id,
                    conversation.id
                ],
                |r| r.get(0),
            )?
            .collect::<db::Result<_>>()?;
        let mut elsewhere = Vec::with_capacity(others.len());
        for id in &others {
            elsewhere.extend(self.conversation(id)?);
        }
        Ok(Some(Customer {
            conversation_id: conversation.id,
            name: conversation.customer_name,
            psid: conversation.customer_id,
            page_name: conversation.page_name,
            first_contact: first_contact.map(to_time),
            same_name_elsewhere,
            phones: known,
            addresses,
            labels: conversation.labels,
            assignee: conversation.assignee,
            referral: conversation.referral,
            notes,
            elsewhere,
            orders,
        }))
    }
}
