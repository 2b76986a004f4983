//! The database schema, as a list of migrations applied in order and counted in `user_version`.

/// Each entry moves the schema one version up. Never edit a released entry: add a new one.
/// The migration from which the search index holds phone numbers as one dials them.
pub const PHONES_INDEXED: i64 = 13;

pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE pages (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE page_settings (
    page_id   TEXT PRIMARY KEY,
    spam_sync INTEGER NOT NULL DEFAULT 0
);

-- The spam mark is the folder: a conversation is marked spam while Facebook files it in Spam.
CREATE TABLE conversations (
    id                         TEXT PRIMARY KEY,
    page_id                    TEXT NOT NULL REFERENCES pages(id),
    folder                     TEXT NOT NULL,
    customer_id                TEXT NOT NULL,
    customer_name              TEXT NOT NULL,
    snippet                    TEXT NOT NULL,
    updated_time               INTEGER NOT NULL,
    unread_count               INTEGER NOT NULL,
    last_customer_message_time INTEGER,
    -- The customer wrote last (no reply after it that was not refused): "Unreplied".
    customer_spoke_last        INTEGER NOT NULL DEFAULT 0,
    -- The customer's name folded for search: lower case, no diacritics, đ as d.
    search_name                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversations_newest ON conversations(updated_time DESC, id DESC);
CREATE INDEX conversations_of_page ON conversations(page_id, updated_time DESC, id DESC);
-- The filters' lists and counts read only their own conversations, on one page or all.
CREATE INDEX conversations_spam ON conversations(page_id, updated_time DESC, id DESC)
    WHERE folder = 'spam';
CREATE INDEX conversations_unread ON conversations(page_id, updated_time DESC, id DESC)
    WHERE unread_count > 0;
CREATE INDEX conversations_unreplied ON conversations(page_id, updated_time DESC, id DESC)
    WHERE customer_spoke_last = 1;
CREATE INDEX conversations_spam_newest ON conversations(updated_time DESC, id DESC)
    WHERE folder = 'spam';
CREATE INDEX conversations_unread_newest ON conversations(updated_time DESC, id DESC)
    WHERE unread_count > 0;
CREATE INDEX conversations_unreplied_newest ON conversations(updated_time DESC, id DESC)
    WHERE customer_spoke_last = 1;

-- fb_id is Facebook's message id; a reply not yet accepted has none.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    fb_id           TEXT UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    from_id         TEXT NOT NULL,
    from_name       TEXT NOT NULL,
    text            TEXT NOT NULL,
    sticker         TEXT,
    attachments     TEXT,
    created_time    INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('sent', 'pending', 'failed')),
    -- Why a reply is not sent (yet): English words, and the code the inbox words them from.
    error           TEXT,
    error_code      TEXT,
    -- A failed reply that could go through if tried again (not one Facebook's rules forbid).
    retry_possible  INTEGER NOT NULL DEFAULT 0,
    -- The message's key in message_search: time-ordered, so searches read newest first.
    search_key      INTEGER UNIQUE
);
CREATE INDEX messages_of_conversation ON messages(conversation_id, created_time, id);

-- Message text folded like search_name, keyed by messages.search_key. unicode61 alone leaves đ
-- as it is, so the folding is done by pagedesk and the table holds no content of its own.
CREATE VIRTUAL TABLE message_search USING fts5(
    folded, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

-- Replies waiting for delivery; the message row holds the text and the state shown to staff.
CREATE TABLE outbox (
    message_id       INTEGER PRIMARY KEY REFERENCES messages(id),
    page_id          TEXT NOT NULL,
    recipient_id     TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    first_attempt_at INTEGER,
    -- A send was attempted and its answer may never have come: Facebook may have delivered
    -- it, so the next attempt looks for it first.
    outcome_unknown  INTEGER NOT NULL DEFAULT 0,
    -- The pagedesk process sending it now, until when (unix ms): no other sends it meanwhile.
    claimed_by       TEXT,
    claimed_pid      INTEGER,
    claimed_until    INTEGER
);

-- What staff typed and have not sent yet, per conversation: it survives a closed inbox.
CREATE TABLE drafts (
    conversation_id TEXT PRIMARY KEY,
    text            TEXT NOT NULL
);

-- The one sync engine of this data directory: the process holding an unexpired lease.
CREATE TABLE engine_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE page_sync (
    page_id            TEXT PRIMARY KEY,
    last_attempt       INTEGER,
    last_success       INTEGER,
    last_error         TEXT,
    last_error_kind    TEXT,
    rate_limited_until INTEGER,
    rate_limit_streak  INTEGER NOT NULL DEFAULT 0
);

-- pass_complete: one full pass over the folder has finished, so later reads may stop at a
-- conversation already known and unchanged; until then resume_after continues it.
-- pass_top: the newest conversation when that first pass began. complete_through: every
-- conversation updated up to then is stored (a read that was interrupted leaves it as it was,
-- so the next read does not stop at what the interrupted one stored above the gap).
CREATE TABLE folder_sync (
    page_id          TEXT NOT NULL,
    folder           TEXT NOT NULL,
    pass_complete    INTEGER NOT NULL DEFAULT 0,
    resume_after     TEXT,
    backfilled       INTEGER NOT NULL DEFAULT 0,
    pass_top         INTEGER,
    complete_through INTEGER,
    PRIMARY KEY (page_id, folder)
);

-- Spam-folder conversations seen but not shown yet: the buyer wrote too recently.
CREATE TABLE spam_waiting (
    conversation_id            TEXT PRIMARY KEY,
    page_id                    TEXT NOT NULL,
    customer_name              TEXT NOT NULL,
    last_customer_message_time INTEGER NOT NULL,
    due_time                   INTEGER NOT NULL
);
"#,
    r#"
-- How much one list call of a page may ask for, when Facebook has said "reduce the amount of
-- data" to more: conversations per call, and messages nested in each.
CREATE TABLE request_size (
    page_id       TEXT PRIMARY KEY,
    conversations INTEGER NOT NULL,
    messages      INTEGER NOT NULL
);

-- Facebook's `can_reply`: false when the page can no longer message the person.
ALTER TABLE conversations ADD COLUMN can_reply INTEGER NOT NULL DEFAULT 1;

-- Facebook refused a HUMAN_AGENT reply of the page for want of Meta's permission: replies past
-- 24 hours are not offered.
ALTER TABLE page_settings ADD COLUMN human_agent_refused INTEGER NOT NULL DEFAULT 0;

-- Links the buyer shared with the message (a post, a product), as JSON.
ALTER TABLE messages ADD COLUMN shares TEXT;
"#,
    r#"
-- When the page's syncs began failing (unix seconds), until one succeeds.
ALTER TABLE page_sync ADD COLUMN failing_since INTEGER;
"#,
    r#"
-- A draft belongs to the staff member typing it. Drafts from before ('') are taken over by
-- whoever next edits or sends in that conversation.
CREATE TABLE staff_drafts (
    conversation_id TEXT NOT NULL,
    staff           TEXT NOT NULL,
    text            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, staff)
);
INSERT INTO staff_drafts (conversation_id, staff, text) SELECT conversation_id, '', text FROM drafts;
DROP TABLE drafts;
ALTER TABLE staff_drafts RENAME TO drafts;

-- The staff member who sent a reply from pagedesk.
ALTER TABLE messages ADD COLUMN sent_by TEXT;

-- Each open inbox: who runs it, the conversation it shows, whether they are typing a reply
-- there, and when it last said so (unix seconds); older than a few seconds means gone.
CREATE TABLE presence (
    instance        TEXT PRIMARY KEY,
    staff           TEXT NOT NULL,
    conversation_id TEXT,
    typing          INTEGER NOT NULL DEFAULT 0,
    seen_at         INTEGER NOT NULL
);
"#,
    r#"
-- Since when the customer has waited for an answer (unix seconds): their first message after
-- the page's last reply that was not refused; NULL once answered.
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
UPDATE conversations SET waiting_since = COALESCE((
    SELECT MIN(m.created_time) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'in'
      AND m.created_time > COALESCE((
          SELECT MAX(o.created_time) FROM messages o
          WHERE o.conversation_id = conversations.id AND o.direction = 'out'
            AND o.status <> 'failed'), -1)),
    last_customer_message_time, updated_time)
WHERE customer_spoke_last = 1;
-- The Unreplied list, longest waiting first.
CREATE INDEX conversations_waiting ON conversations(page_id, waiting_since, id)
    WHERE customer_spoke_last = 1;
CREATE INDEX conversations_waiting_longest ON conversations(waiting_since, id)
    WHERE customer_spoke_last = 1;
"#,
    r#"
-- A file staff send with a reply. Facebook takes one attachment per message and not with text,
-- so each file is a message of its own, after the text, in the order attached. The file stays
-- where it is until it is sent; its hash tells whether it changed meanwhile.
CREATE TABLE outgoing_files (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    path       TEXT NOT NULL,
    name       TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL
);

-- Files Facebook keeps for a page (`is_reusable`), by content: the same product photo sent to a
-- hundred buyers is uploaded once.
CREATE TABLE uploads (
    page_id       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    attachment_id TEXT NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    PRIMARY KEY (page_id, sha256)
);
"#,
    r#"
-- Files a staff member attached to a conversation's reply and has not sent yet, in order: like
-- the draft's text, they survive a closed inbox.
CREATE TABLE draft_files (
    conversation_id TEXT NOT NULL,
    staff           TEXT NOT NULL,
    position        INTEGER NOT NULL,
    path            TEXT NOT NULL,
    name            TEXT NOT NULL,
    mime_type       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, staff, position)
);
"#,
    r#"
-- Whether Facebook's webhooks reach `pagedesk serve` for a page: the last event received, and
-- since when a poll found messages they did not bring (NULL while they are live).
CREATE TABLE webhooks (
    page_id       TEXT PRIMARY KEY,
    last_event_at INTEGER NOT NULL,
    missed_since  INTEGER
);
"#,
    r#"
-- Done: staff finished the conversation (here, or in Meta Business Suite, whose Done folder
-- listed it). A new message from the buyer opens it again.
ALTER TABLE conversations ADD COLUMN done_at INTEGER;
ALTER TABLE conversations ADD COLUMN done_by TEXT;
-- Facebook's Done folder listed it at the last look: only a conversation newly listed there
-- comes in as done, so staff taking it back here is not undone by the next sync.
ALTER TABLE conversations ADD COLUMN listed_done INTEGER NOT NULL DEFAULT 0;
-- The filters leave done conversations out: their indexes too, so that a list or a count
-- still reads only its own entries.
CREATE INDEX conversations_open ON conversations(page_id, updated_time DESC, id DESC)
    WHERE done_at IS NULL;
CREATE INDEX conversations_open_newest ON conversations(updated_time DESC, id DESC)
    WHERE done_at IS NULL;
CREATE INDEX conversations_done ON conversations(page_id, updated_time DESC, id DESC)
    WHERE done_at IS NOT NULL;
CREATE INDEX conversations_done_newest ON conversations(updated_time DESC, id DESC)
    WHERE done_at IS NOT NULL;
DROP INDEX conversations_unread;
DROP INDEX conversations_unread_newest;
DROP INDEX conversations_unreplied;
DROP INDEX conversations_unreplied_newest;
CREATE INDEX conversations_unread ON conversations(page_id, updated_time DESC, id DESC)
    WHERE unread_count > 0 AND done_at IS NULL;
CREATE INDEX conversations_unread_newest ON conversations(updated_time DESC, id DESC)
    WHERE unread_count > 0 AND done_at IS NULL;
CREATE INDEX conversations_unreplied ON conversations(page_id, updated_time DESC, id DESC)
    WHERE customer_spoke_last = 1 AND done_at IS NULL;
CREATE INDEX conversations_unreplied_newest ON conversations(updated_time DESC, id DESC)
    WHERE customer_spoke_last = 1 AND done_at IS NULL;
"#,
    r#"
-- Labels staff put on conversations ("chờ chuyển khoản", "đã chốt"): one name each, whatever
-- its case; renaming or deleting one changes every conversation that carries it.
CREATE TABLE labels (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    -- The name in lower case (Vietnamese letters too, which NOCASE does not fold).
    name_key   TEXT NOT NULL UNIQUE,
    colour     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE conversation_labels (
    label_id        INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    added_by        TEXT NOT NULL,
    added_at        INTEGER NOT NULL,
    PRIMARY KEY (label_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX conversation_labels_of ON conversation_labels(conversation_id);
-- Who has the conversation: a staff member's name, as the config's [[staff]] says it.
ALTER TABLE conversations ADD COLUMN assignee TEXT;
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
CREATE INDEX conversations_assigned ON conversations(assignee, updated_time DESC, id DESC)
    WHERE assignee IS NOT NULL AND done_at IS NULL;
-- A reply took the conversation out of Facebook's Spam folder: when, and who sent it.
ALTER TABLE conversations ADD COLUMN rescued_at INTEGER;
ALTER TABLE conversations ADD COLUMN rescued_by TEXT;
-- Staff on shift take new conversations in turn (`pagedesk staff available|away`).
CREATE TABLE staff_status (
    name       TEXT PRIMARY KEY,
    available  INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
);
-- Whose turn came last, so that the next new conversation goes to the one after.
CREATE TABLE round_robin (
    only           INTEGER PRIMARY KEY CHECK (only = 1),
    last_assignee  TEXT NOT NULL
);
-- What staff know of a customer (internal: never sent). A customer is a page's PSID.
CREATE TABLE customer_notes (
    id          INTEGER PRIMARY KEY,
    page_id     TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX customer_notes_of ON customer_notes(page_id, customer_id, created_at);
-- The customer panel: a person's conversations on the page, and the same name on others.
CREATE INDEX conversations_of_customer ON conversations(customer_id);
CREATE INDEX conversations_by_name ON conversations(customer_name);
"#,
    r#"
-- A message Facebook no longer shows in full (past a conversation's 20 newest when pagedesk
-- first read it): kept as a mark with its time, so that staff see something is missing and
-- where to read it, instead of it vanishing.
ALTER TABLE messages ADD COLUMN unavailable INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_unavailable ON messages(conversation_id) WHERE unavailable = 1;
-- What webhook events carried, kept before Facebook is answered, so that an acknowledged event
-- survives a kill. Each waits here until its conversation is stored (at once when it is known;
-- a new one once read; one in Spam after its 5 minutes), then becomes a message.
CREATE TABLE webhook_messages (
    mid          TEXT PRIMARY KEY,
    page_id      TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    text         TEXT NOT NULL,
    sticker      TEXT,
    attachments  TEXT,
    -- Milliseconds, as the event says: it orders a burst written within one second.
    created_time INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
);
CREATE INDEX webhook_messages_of ON webhook_messages(page_id, person_id);
"#,
    r#"
-- The engine holding the lease receives webhooks (`pagedesk serve`): only then are a page's
-- webhooks live for the inboxes and `doctor`, and its inbox folder polled slowly.
ALTER TABLE engine_lease ADD COLUMN receives_webhooks INTEGER NOT NULL DEFAULT 0;
-- Facebook restricted the page from sending (error 10/1893063): its replies wait until then.
ALTER TABLE page_settings ADD COLUMN send_restricted_until INTEGER;
-- What a buyer changes after writing: an edit (the newest words, how many edits), an unsend
-- (the words and files leave; the message stays as "removed"), the message answered.
ALTER TABLE messages ADD COLUMN edit_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN reply_to TEXT;
ALTER TABLE webhook_messages ADD COLUMN reply_to TEXT;
-- Edits and unsends by Facebook's message id, whether or not the message is stored yet: one
-- stored later (read back, out of Spam) takes them, and an unsent message's words never come
-- back with a later read.
-- Only the buyer of the conversation (page and PSID) changes their own messages.
CREATE TABLE message_amends (
    mid        TEXT NOT NULL,
    page_id    TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    text       TEXT,
    edit_count INTEGER NOT NULL DEFAULT 0,
    removed    INTEGER NOT NULL DEFAULT 0,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (mid, page_id, person_id)
);
-- An unsent message's words were taken out of the search index in this transaction: the
-- index is merged before it commits, so that they leave the file (a deleted entry's words stay
-- in the index's segments until they are merged). One row at most.
CREATE TABLE search_purge_due (id INTEGER PRIMARY KEY CHECK (id = 1));
-- One reaction per person per message (Messenger's rule), by message id.
CREATE TABLE message_reactions (
    mid        TEXT NOT NULL,
    reactor_id TEXT NOT NULL,
    emoji      TEXT NOT NULL,
    reacted_at INTEGER NOT NULL,
    PRIMARY KEY (mid, reactor_id)
);
-- Where a person came from (an ad, an m.me link), newest last; by page and PSID, because the
-- referral comes before their conversation exists.
CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY,
    page_id     TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    source      TEXT NOT NULL,
    reference   TEXT,
    ad_id       TEXT,
    ad_title    TEXT,
    photo_url   TEXT,
    post_id     TEXT,
    product_id  TEXT,
    referred_at INTEGER NOT NULL
);
CREATE INDEX referrals_of ON referrals(page_id, person_id, referred_at);
-- Another app has the conversation (conversation routing): which, when the events named it,
-- and since when. No row: pagedesk's app has it.
CREATE TABLE thread_holders (
    page_id   TEXT NOT NULL,
    person_id TEXT NOT NULL,
    app_id    TEXT,
    since     INTEGER NOT NULL,
    PRIMARY KEY (page_id, person_id)
);
"#,
    r#"
-- A Spam conversation shown only once its buyer's last message is 5 minutes old arrived here
-- then: it is listed by that time (on top, as new), until the buyer writes again.
ALTER TABLE conversations ADD COLUMN shown_at INTEGER;
ALTER TABLE conversations ADD COLUMN listed_time INTEGER
    GENERATED ALWAYS AS (MAX(updated_time, COALESCE(shown_at, 0))) VIRTUAL;
DROP INDEX conversations_newest;
DROP INDEX conversations_of_page;
DROP INDEX conversations_spam;
DROP INDEX conversations_spam_newest;
DROP INDEX conversations_open;
DROP INDEX conversations_open_newest;
DROP INDEX conversations_done;
DROP INDEX conversations_done_newest;
DROP INDEX conversations_unread;
DROP INDEX conversations_unread_newest;
DROP INDEX conversations_unreplied;
DROP INDEX conversations_unreplied_newest;
DROP INDEX conversations_assigned;
CREATE INDEX conversations_newest ON conversations(listed_time DESC, id DESC);
CREATE INDEX conversations_of_page ON conversations(page_id, listed_time DESC, id DESC);
CREATE INDEX conversations_spam ON conversations(page_id, listed_time DESC, id DESC)
    WHERE folder = 'spam';
CREATE INDEX conversations_spam_newest ON conversations(listed_time DESC, id DESC)
    WHERE folder = 'spam';
CREATE INDEX conversations_open ON conversations(page_id, listed_time DESC, id DESC)
    WHERE done_at IS NULL;
CREATE INDEX conversations_open_newest ON conversations(listed_time DESC, id DESC)
    WHERE done_at IS NULL;
CREATE INDEX conversations_done ON conversations(page_id, listed_time DESC, id DESC)
    WHERE done_at IS NOT NULL;
CREATE INDEX conversations_done_newest ON conversations(listed_time DESC, id DESC)
    WHERE done_at IS NOT NULL;
CREATE INDEX conversations_unread ON conversations(page_id, listed_time DESC, id DESC)
    WHERE unread_count > 0 AND done_at IS NULL;
CREATE INDEX conversations_unread_newest ON conversations(listed_time DESC, id DESC)
    WHERE unread_count > 0 AND done_at IS NULL;
CREATE INDEX conversations_unreplied ON conversations(page_id, listed_time DESC, id DESC)
    WHERE customer_spoke_last = 1 AND done_at IS NULL;
CREATE INDEX conversations_unreplied_newest ON conversations(listed_time DESC, id DESC)
    WHERE customer_spoke_last = 1 AND done_at IS NULL;
CREATE INDEX conversations_assigned ON conversations(assignee, listed_time DESC, id DESC)
    WHERE assignee IS NOT NULL AND done_at IS NULL;
-- A reply Facebook did not take marks its conversation's row in every list: found at once.
CREATE INDEX messages_failed ON messages(conversation_id) WHERE status = 'failed';
-- Staff took back a reply whose last attempt may have reached Facebook (a timeout, a 503):
-- never tried again; the engine looks on Facebook, and it is sent if it is there, else gone.
ALTER TABLE outbox ADD COLUMN withdrawn_at INTEGER;
"#,
    r#"
-- Comments under the page's posts live beside conversations: one person's comments under one
-- post (and the page's answers to them) are a thread, a conversation whose channel is
-- 'comments' and whose id is `{post-id}/{psid}`; its comments are its messages (fb_id the
-- comment's id). Lists, labels, assignment, Done and search hold for both.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'messenger';
ALTER TABLE conversations ADD COLUMN post_id TEXT;
CREATE INDEX conversations_comments ON conversations(page_id, listed_time DESC, id DESC)
    WHERE channel = 'comments' AND done_at IS NULL;
CREATE INDEX conversations_comments_newest ON conversations(listed_time DESC, id DESC)
    WHERE channel = 'comments' AND done_at IS NULL;
CREATE TABLE posts (
    id           TEXT PRIMARY KEY,
    page_id      TEXT NOT NULL,
    message      TEXT NOT NULL,
    created_time INTEGER NOT NULL,
    -- Facebook's updated_time of the post, and how many comments it had, when its comments
    -- were last read: both unchanged, nothing was written under it or removed since.
    read_through INTEGER,
    comment_count INTEGER,
    permalink    TEXT,
    picture      TEXT
);
CREATE INDEX posts_of_page ON posts(page_id, created_time DESC);
CREATE TABLE comments (
    id        TEXT PRIMARY KEY,
    post_id   TEXT NOT NULL,
    -- The top-level comment this one answers.
    parent_id TEXT,
    hidden    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_of_post ON comments(post_id);
-- Where a reply goes, on its row (which outlives its outbox row: a retry goes the same way,
-- and the chat says which): to Messenger (NULL or 'messenger'), or answering comment
-- `via_target` in public ('comment') or privately ('private').
ALTER TABLE messages ADD COLUMN via TEXT;
ALTER TABLE messages ADD COLUMN via_target TEXT;
-- A comment's one private reply, from the moment it is stored: a second is refused before it
-- is stored, whatever became of the first.
ALTER TABLE comments ADD COLUMN private_reply INTEGER;
-- Hidden by pagedesk because it held a phone number (`[comments] hide_phone_numbers`).
ALTER TABLE comments ADD COLUMN for_phone INTEGER NOT NULL DEFAULT 0;
-- Hiding a comment or showing it again, asked by staff in any pagedesk and carried out by the
-- engine that syncs the page; `error` says why Facebook refused.
CREATE TABLE comment_moderation (
    comment_id   TEXT PRIMARY KEY,
    page_id      TEXT NOT NULL,
    hidden       INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    error        TEXT
);
"#,
    r#"
-- Per page, whether buyers' new comments holding a phone number are hidden: set in the settings
-- screen; NULL follows `[comments] hide_phone_numbers`.
ALTER TABLE page_settings ADD COLUMN hide_phone_numbers INTEGER;
-- The page likes the comment on Facebook (read from `user_likes`, or liked from pagedesk).
ALTER TABLE comments ADD COLUMN liked INTEGER NOT NULL DEFAULT 0;
-- A like asked by staff in any pagedesk, carried out by the engine that syncs the page;
-- `error` says why Facebook refused.
CREATE TABLE comment_likes (
    comment_id   TEXT PRIMARY KEY,
    page_id      TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    error        TEXT
);
-- The Messenger person a private reply reached (Facebook's `recipient_id`): the thread's
-- person and that conversation's are one customer.
-- A page whose comments could not be read in its last cycle (Messenger synced beside it):
-- Facebook's words, and since when.
CREATE TABLE comment_reads (
    page_id       TEXT PRIMARY KEY,
    error         TEXT NOT NULL,
    failing_since INTEGER NOT NULL
);
CREATE TABLE comment_people (
    page_id      TEXT NOT NULL,
    commenter_id TEXT NOT NULL,
    psid         TEXT NOT NULL,
    PRIMARY KEY (page_id, commenter_id)
);
"#,
    r#"
-- Orders closed in a conversation (or a thread of comments): the buyer's name, phone and
-- address as staff confirmed them; amounts in whole đồng; `version` counts the changes, so
-- that two staff changing one order at once cannot overwrite each other unseen.
CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    page_id         TEXT NOT NULL,
    customer_name   TEXT NOT NULL,
    phone           TEXT NOT NULL,
    address         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'new',
    carrier         TEXT,
    tracking        TEXT,
    shipping_fee    INTEGER NOT NULL DEFAULT 0,
    discount        INTEGER NOT NULL DEFAULT 0,
    -- 'cod': the carrier collects the total on delivery; 'transfer': paid before.
    paid_by         TEXT NOT NULL DEFAULT 'cod',
    note            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    -- `[orders] on_confirm`: 'due' when confirmed by a pagedesk that has it, claimed
    -- ('running') by the engine before the command starts, then 'done' or 'failed' (why in
    -- hook_error). One still 'running' when its engine died may have run: only staff run it
    -- again.
    hook_state      TEXT,
    hook_error      TEXT
);
-- A buyer is known across pages by their phone (Facebook gives each page its own id).
CREATE INDEX orders_by_phone ON orders(phone);
CREATE INDEX orders_by_time ON orders(created_at);
CREATE INDEX orders_of_conversation ON orders(conversation_id);
-- The Orders filter's list and count read only the orders still to confirm or ship.
CREATE INDEX orders_open ON orders(conversation_id) WHERE state IN ('new', 'confirmed');
CREATE TABLE order_lines (
    order_id INTEGER NOT NULL REFERENCES orders(id),
    position INTEGER NOT NULL,
    -- The catalogue's code; NULL for a line typed freely.
    code     TEXT,
    name     TEXT NOT NULL,
    variant  TEXT,
    quantity INTEGER NOT NULL,
    price    INTEGER NOT NULL,
    PRIMARY KEY (order_id, position)
);
-- Who changed what and when: the state it moved to, and what came with it.
CREATE TABLE order_events (
    order_id INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    staff    TEXT NOT NULL,
    state    TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_events_of ON order_events(order_id, at);
"#,
    r#"
-- The inbox's order form as typed (JSON), kept like a reply's draft until the order is saved
-- (in the same transaction) or staff throw it away. `version` counts the writes: a form
-- writes on the version it read, so that two staff typing one draft cannot overwrite each
-- other unseen, nor save it as two orders.
-- When an order's on_confirm command claimed must be done by: one still running before then
-- is running, not lost.
ALTER TABLE orders ADD COLUMN hook_deadline_at INTEGER;
-- Since when the engine lease's holder has held it (unix ms): `doctor` says since when the
-- service runs the engine.
ALTER TABLE engine_lease ADD COLUMN held_since INTEGER;
CREATE TABLE order_drafts (
    conversation_id TEXT PRIMARY KEY,
    form            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    written_by      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);
"#,
    r#"
-- An order form saved as an order leaves its draft's row, marked with the order and one
-- version on: a form opened before it (the same buyer's, in another inbox) is told who saved
-- it, rather than make a second order when no draft was kept when it opened.
ALTER TABLE order_drafts ADD COLUMN saved_as INTEGER;
"#,
];
