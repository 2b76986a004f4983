//! The domain every layer speaks: the folders of a Page inbox, which way a message went, where a
//! reply stands, the conversation filters, the reply window, why a page did not sync and why a
//! reply is not sent. It depends on nothing else of pagedesk.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// An id Facebook gives, as a type of its own: one kind of id cannot be passed where another
/// is meant (a buyer's PSID where a conversation's id is, say). Written and read as the text
/// Facebook sends.
macro_rules! facebook_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// As typed on a command line: any text is an id to look for.
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Ok(id.into())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

facebook_id!(
    /// A conversation of a Page (`t_...`).
    ConversationId
);
facebook_id!(
    /// A Facebook Page: the shop's, whose inbox this is.
    PageId
);
facebook_id!(
    /// A person as one Page knows them: the page-scoped id (PSID), different on each Page.
    Psid
);
facebook_id!(
    /// A message (`m_...`). A reply not yet taken by Facebook has a stand-in of pagedesk's
    /// own (`local-` and its row) until Facebook's id replaces it.
    MessageId
);

facebook_id!(
    /// A post of a Page (`{page-id}_{n}`).
    PostId
);
facebook_id!(
    /// A comment under a post, or a reply to one (`{n}_{m}`).
    CommentId
);

impl MessageId {
    /// The stand-in of a reply stored as row `row` and not yet taken by Facebook.
    pub fn stand_in(row: i64) -> Self {
        MessageId(format!("local-{row}"))
    }

    /// Whether this is a stand-in: Facebook has no message by it.
    pub fn is_stand_in(&self) -> bool {
        self.0.starts_with("local-")
    }
}

/// Where a reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// To the person in Messenger (`POST /{page-id}/messages`).
    Messenger,
    /// Under comment `.0`, in public (`POST /{comment-id}/comments`).
    Comment(CommentId),
    /// To the author of comment `.0`, privately in Messenger: once per comment, within 7 days.
    Private(CommentId),
}

impl Via {
    /// As the outbox keeps it: the way, and the comment.
    pub fn columns(&self) -> (&'static str, Option<&CommentId>) {
        match self {
            Via::Messenger => ("messenger", None),
            Via::Comment(id) => ("comment", Some(id)),
            Via::Private(id) => ("private", Some(id)),
        }
    }

    pub fn from_columns(way: &str, target: Option<CommentId>) -> Via {
        match (way, target) {
            ("comment", Some(id)) => Via::Comment(id),
            ("private", Some(id)) => Via::Private(id),
            _ => Via::Messenger,
        }
    }
}

/// Why a reply to a comment is refused before it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommentRefusal {
    /// Comments take words only here.
    #[error("a comment is answered with words only: files go in Messenger")]
    Files,
    /// The person has no comment left in the thread to answer.
    #[error("there is no comment of theirs to answer")]
    NoComment,
    /// The comment was answered privately already (Facebook takes one private reply).
    #[error("this comment was answered privately already: Facebook takes only one private reply")]
    AnsweredPrivately,
    /// Its one private reply was refused by Facebook and waits for staff to send it again or
    /// edit it.
    #[error("this comment's private reply was not sent: send it again (r) or edit it (e)")]
    PrivateReplyFailed,
    /// The comment is more than 7 days old.
    #[error("this comment is more than 7 days old: Facebook no longer takes a private reply")]
    TooOld,
}

/// The folders of a Page inbox, as named by the `folder` parameter.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Folder {
    Inbox,
    Other,
    PageDone,
    Pending,
    Spam,
}

impl Folder {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(text: &str) -> Option<Folder> {
        text.parse().ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    /// As the database keeps it: anything but "out" is the buyer's.
    pub fn parse(text: &str) -> Direction {
        if text == "out" {
            Direction::Out
        } else {
            Direction::In
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    Sent,
    Pending,
    Failed,
}

impl SendStatus {
    pub fn parse(text: &str) -> SendStatus {
        match text {
            "pending" => SendStatus::Pending,
            "failed" => SendStatus::Failed,
            _ => SendStatus::Sent,
        }
    }
}

/// What staff ask of comments on Facebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Hide,
    Show,
    Like,
}

/// A page's switch in the settings screen, kept in the database and used by every engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageSwitch {
    /// Its Spam folder is synced.
    SpamSync,
    /// Buyers' new comments with a phone number are hidden.
    PhoneHiding,
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Filter {
    #[default]
    All,
    Spam,
    Unread,
    /// The customer wrote last.
    Unreplied,
    /// Finished by staff, until the buyer writes again.
    Done,
    /// Assigned to the staff member using pagedesk, and not done.
    Mine,
    /// With a reply Facebook did not take, waiting for staff (retry, or take it back).
    NotSent,
    /// Threads of comments under the pages' posts, not done.
    Comments,
    /// With an order to confirm or to ship.
    Orders,
}

impl Filter {
    pub const ALL: [Filter; 9] = [
        Filter::All,
        Filter::Spam,
        Filter::Unread,
        Filter::Unreplied,
        Filter::Done,
        Filter::Mine,
        Filter::NotSent,
        Filter::Comments,
        Filter::Orders,
    ];
}

/// Whether a list narrowed to some labels shows conversations with any of them or all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LabelMatch {
    #[default]
    Any,
    All,
}

/// The colours a label can have: named in the database, and drawn by the theme as the
/// terminal can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "lowercase")]
pub enum LabelColour {
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    Orange,
    Purple,
}

impl LabelColour {
    /// A new label takes the colour after the last one's, so neighbours differ.
    pub fn after(previous: Option<LabelColour>) -> LabelColour {
        use strum::IntoEnumIterator;
        let all: Vec<LabelColour> = LabelColour::iter().collect();
        match previous.and_then(|p| all.iter().position(|c| *c == p)) {
            Some(at) => all[(at + 1) % all.len()],
            None => all[0],
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A stored colour; one this pagedesk does not know (a newer one wrote it) is shown blue.
    pub fn parse(text: &str) -> LabelColour {
        text.parse().unwrap_or(LabelColour::Blue)
    }
}

/// A label as a conversation carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub colour: String,
}

impl Label {
    pub fn colour(&self) -> LabelColour {
        LabelColour::parse(&self.colour)
    }
}

/// A picture, video, voice message or file that came with a message, as pagedesk keeps it
/// (whatever shape Facebook sent it in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Where the file is (Facebook's CDN links expire).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
    /// What Facebook sent that is not a file: a place, or a link (a template, a product, a
    /// `fallback`), named by `name` and opened at `url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<AttachmentKind>,
    /// A place's latitude and longitude, as "21.02850, 105.85420".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    Place,
    Link,
}

/// What a message without words carried, as a list says it ("📷 Photo", "File: name").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    Sticker,
    Photo,
    Video,
    Voice,
    File(String),
    Place(String),
    Link(String),
    /// The buyer unsent it.
    Removed,
}

impl Carried {
    pub fn of(attachment: &Attachment) -> Carried {
        let name = || attachment.name.clone().unwrap_or_default();
        match attachment.kind {
            Some(AttachmentKind::Place) => return Carried::Place(name()),
            Some(AttachmentKind::Link) => return Carried::Link(name()),
            None => {}
        }
        match attachment.mime_type.as_deref() {
            Some(m) if m.starts_with("image/") => Carried::Photo,
            Some(m) if m.starts_with("video/") => Carried::Video,
            Some(m) if m.starts_with("audio/") => Carried::Voice,
            _ => Carried::File(name()),
        }
    }
}

/// Where a buyer came from to the conversation: an ad they clicked (Click-to-Messenger), an
/// m.me link, a chat plugin.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Referral {
    /// Facebook's `source`: `ADS`, `SHORTLINK`, `CUSTOMER_CHAT_PLUGIN`, ...
    pub source: String,
    /// An m.me link's `ref`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// Another app has the conversation under conversation routing (a chatbot, say): it may answer
/// the buyer too, and Facebook may refuse pagedesk's replies meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBy {
    /// The app, when Facebook named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    pub since: DateTime<Utc>,
}

/// A picture made small enough to draw in a terminal: rows of RGB pixels, top first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Thumbnail {
    /// The colour at (x, y), which must be inside.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let at = ((y * self.width + x) * 3) as usize;
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }
}

/// A picture to show: whose it is, which of its files (`None`: a message's sticker), and the
/// link it was stored with (CDN links expire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureWanted {
    pub page_id: PageId,
    pub of: PictureOf,
    pub index: Option<usize>,
    pub link: Option<String>,
    /// Large enough for a whole pane drawn by the terminal (kitty, sixel), not a glance.
    pub whole: bool,
}

/// Whose picture it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PictureOf {
    /// A message's file or sticker: Facebook gives a fresh link to it when the stored one
    /// expired.
    Message(MessageId),
    /// The photo of the ad a conversation came from: only its stored link leads to it.
    Ad(ConversationId),
    /// A post's picture, above its threads: its link is read again with the post.
    Post(PostId),
}

impl std::fmt::Display for PictureOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PictureOf::Message(id) => write!(f, "{id}"),
            PictureOf::Ad(conversation) => write!(f, "ad-of-{conversation}"),
            PictureOf::Post(post) => write!(f, "post-{post}"),
        }
    }
}

impl PictureWanted {
    /// What names a file on this machine (a picture about to be attached) on screen.
    pub fn file_key(path: &std::path::Path) -> String {
        format!("file:{}", path.display())
    }

    /// What names the file in the cache: the same bytes however large it is drawn.
    pub fn file_in_cache(&self) -> String {
        match self.index {
            Some(index) => format!("{}/{index}", self.of),
            None => format!("{}/sticker", self.of),
        }
    }

    /// What names the picture on screen.
    pub fn key(&self) -> String {
        let file = self.file_in_cache();
        if self.whole {
            format!("{file}#whole")
        } else {
            file
        }
    }
}

/// The name a page is shown by: the config's, else the one Facebook gave, else its id.
pub fn page_name(configured: Option<&str>, from_facebook: Option<&str>, id: &str) -> String {
    configured.or(from_facebook).unwrap_or(id).to_owned()
}

/// How much earlier than our first attempt Facebook may date one of our replies and it still
/// count as that attempt's (the two clocks differ).
pub const CLOCK_SLACK: Duration = Duration::seconds(120);

/// The longest text the Send API accepts, in characters (Unicode scalar values).
pub const MAX_REPLY_CHARS: usize = 2000;

/// Where a conversation stands for a reply, by the time since the customer last wrote: Facebook
/// takes a plain `RESPONSE` within 24 hours, a `HUMAN_AGENT` tagged reply up to 7 days, nothing
/// after (or before the customer has written at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyWindow {
    Open { left: Duration },
    HumanAgentOnly,
    Closed,
    NeverWrote,
}

impl ReplyWindow {
    pub const STANDARD: Duration = Duration::hours(24);
    pub const HUMAN_AGENT: Duration = Duration::days(7);

    pub fn at(last_customer_message: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ReplyWindow {
        let Some(last) = last_customer_message else {
            return ReplyWindow::NeverWrote;
        };
        let since = now - last;
        if since <= Self::STANDARD {
            ReplyWindow::Open {
                left: Self::STANDARD - since,
            }
        } else if since <= Self::HUMAN_AGENT {
            ReplyWindow::HumanAgentOnly
        } else {
            ReplyWindow::Closed
        }
    }
}

/// How a reply goes to Facebook: inside the 24 hours, or with the HUMAN_AGENT tag after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    Response,
    HumanAgent,
}

/// What decides whether Facebook takes a reply to a conversation now.
#[derive(Debug, Clone, Copy)]
pub struct ReplyTo {
    /// Facebook's `can_reply` for the person.
    pub can_reply: bool,
    pub last_customer_message: Option<DateTime<Utc>>,
    /// `human_agent_tag` in the config.
    pub human_agent_tag: bool,
    /// Facebook refused the page's HUMAN_AGENT replies for want of the permission.
    pub human_agent_refused: bool,
}

impl ReplyTo {
    /// Facebook's rules for `text` sent at `now`, checked before any call (by the outbox, and
    /// by the reply box before anything is stored): how it goes, or why it cannot.
    pub fn kind(&self, text: &str, now: DateTime<Utc>) -> Result<ReplyKind, ReplyProblem> {
        let chars = text.chars().count();
        if chars > MAX_REPLY_CHARS {
            return Err(ReplyProblem::TooLong { chars });
        }
        if text.trim().is_empty() {
            return Err(ReplyProblem::Empty);
        }
        self.allowed(now)
    }

    /// Whether the page may message the person at all at `now`, and how.
    pub fn allowed(&self, now: DateTime<Utc>) -> Result<ReplyKind, ReplyProblem> {
        if !self.can_reply {
            return Err(ReplyProblem::CannotMessage);
        }
        match ReplyWindow::at(self.last_customer_message, now) {
            ReplyWindow::Open { .. } => Ok(ReplyKind::Response),
            ReplyWindow::HumanAgentOnly if self.human_agent_refused => {
                Err(ReplyProblem::AgentPermission)
            }
            ReplyWindow::HumanAgentOnly if self.human_agent_tag => Ok(ReplyKind::HumanAgent),
            ReplyWindow::HumanAgentOnly => Err(ReplyProblem::AgentTagOff),
            ReplyWindow::Closed => Err(ReplyProblem::SevenDays),
            ReplyWindow::NeverWrote => Err(ReplyProblem::NeverWrote),
        }
    }
}

/// Why a reply is not sent (yet). The database keeps it as a code ([`ReplyProblem::code`]);
/// each screen words it in the staff's language, times in its own clock's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyProblem {
    TooLong {
        chars: usize,
    },
    Empty,
    NeverWrote,
    AgentTagOff,
    SevenDays,
    NotConfigured,
    Window,
    Unavailable,
    CannotMessage,
    PolicyBlock,
    NoUser,
    AgentPermission,
    Token,
    Permission,
    /// Answering comments needs `pages_manage_engagement`, which the page's token lacks.
    CommentPermission,
    Refused,
    Facebook,
    /// The file of the message cannot be sent as attached (gone, changed, unreadable).
    File,
    /// It was waiting when the backup the database was restored from was taken: it may have
    /// gone out since, and Facebook shows only a conversation's 20 newest messages to check.
    Restored,
    RateLimited {
        until: DateTime<Utc>,
    },
    /// Facebook restricted the page from sending (error 10/1893063): tried again then.
    SendingRestricted {
        until: DateTime<Utc>,
    },
    Retrying {
        at: DateTime<Utc>,
    },
}

impl ReplyProblem {
    /// The kind, and after a colon what its words need (a count, a time in unix seconds).
    pub fn code(self) -> String {
        let kind = match self {
            ReplyProblem::TooLong { chars } => return format!("too_long:{chars}"),
            ReplyProblem::RateLimited { until } => {
                return format!("rate_limited:{}", until.timestamp());
            }
            ReplyProblem::Retrying { at } => return format!("retrying:{}", at.timestamp()),
            ReplyProblem::SendingRestricted { until } => {
                return format!("restricted:{}", until.timestamp());
            }
            ReplyProblem::Empty => "empty",
            ReplyProblem::NeverWrote => "never_wrote",
            ReplyProblem::AgentTagOff => "agent_tag_off",
            ReplyProblem::SevenDays => "seven_days",
            ReplyProblem::NotConfigured => "not_configured",
            ReplyProblem::Window => "window",
            ReplyProblem::Unavailable => "unavailable",
            ReplyProblem::CannotMessage => "cannot_message",
            ReplyProblem::PolicyBlock => "policy_block",
            ReplyProblem::NoUser => "no_user",
            ReplyProblem::AgentPermission => "agent_permission",
            ReplyProblem::Token => "token",
            ReplyProblem::Permission => "permission",
            ReplyProblem::CommentPermission => "comment_permission",
            ReplyProblem::Refused => "refused",
            ReplyProblem::Facebook => "facebook",
            ReplyProblem::File => "file",
            ReplyProblem::Restored => "restored",
        };
        kind.to_owned()
    }

    /// The problem a stored code names; `None` for a code this version does not know (the
    /// stored English words are shown then).
    pub fn parse(code: &str) -> Option<ReplyProblem> {
        let (kind, detail) = code.split_once(':').unwrap_or((code, ""));
        let time = || {
            detail
                .parse::<i64>()
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0))
        };
        Some(match kind {
            "too_long" => ReplyProblem::TooLong {
                chars: detail.parse().ok()?,
            },
            "rate_limited" => ReplyProblem::RateLimited { until: time()? },
            "retrying" => ReplyProblem::Retrying { at: time()? },
            "restricted" => ReplyProblem::SendingRestricted { until: time()? },
            "empty" => ReplyProblem::Empty,
            "never_wrote" => ReplyProblem::NeverWrote,
            "agent_tag_off" => ReplyProblem::AgentTagOff,
            "seven_days" => ReplyProblem::SevenDays,
            "not_configured" => ReplyProblem::NotConfigured,
            "window" => ReplyProblem::Window,
            "unavailable" => ReplyProblem::Unavailable,
            "cannot_message" => ReplyProblem::CannotMessage,
            "policy_block" => ReplyProblem::PolicyBlock,
            "no_user" => ReplyProblem::NoUser,
            "agent_permission" => ReplyProblem::AgentPermission,
            "token" => ReplyProblem::Token,
            "permission" => ReplyProblem::Permission,
            "comment_permission" => ReplyProblem::CommentPermission,
            "refused" => ReplyProblem::Refused,
            "facebook" => ReplyProblem::Facebook,
            "restored" => ReplyProblem::Restored,
            "file" => ReplyProblem::File,
            _ => return None,
        })
    }
}

/// Why a page did not sync, as the engine stores it and the screens word it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum SyncErrorKind {
    Token,
    RateLimited,
    Permission,
    Transient,
    Facebook,
    Database,
    Config,
}

impl SyncErrorKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(text: &str) -> Option<SyncErrorKind> {
        text.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_window_follows_facebooks_rules() {
        let now = Utc::now();
        assert_eq!(ReplyWindow::at(None, now), ReplyWindow::NeverWrote);
        assert_eq!(
            ReplyWindow::at(Some(now - Duration::hours(23)), now),
            ReplyWindow::Open {
                left: Duration::hours(1)
            }
        );
        assert_eq!(
            ReplyWindow::at(Some(now - Duration::hours(25)), now),
            ReplyWindow::HumanAgentOnly
        );
        assert_eq!(
            ReplyWindow::at(Some(now - Duration::days(8)), now),
            ReplyWindow::Closed
        );
    }

    #[test]
    fn reply_problems_keep_their_details_through_the_database() {
        let until = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        for problem in [
            ReplyProblem::TooLong { chars: 2001 },
            ReplyProblem::RateLimited { until },
            ReplyProblem::Retrying { at: until },
            ReplyProblem::SendingRestricted { until },
            ReplyProblem::AgentPermission,
        ] {
            assert_eq!(ReplyProblem::parse(&problem.code()), Some(problem));
        }
        assert_eq!(
            ReplyProblem::parse("rate_limited:14:05"),
            None,
            "an old code"
        );
    }

    #[test]
    fn a_picture_is_named_in_the_cache_by_whose_it_is() {
        let wanted = |of: PictureOf, index: Option<usize>| PictureWanted {
            page_id: "p".into(),
            of,
            index,
            link: None,
            whole: false,
        };
        let message = wanted(PictureOf::Message("m_1".into()), Some(2));
        assert_eq!(message.file_in_cache(), "m_1/2");
        let sticker = wanted(PictureOf::Message("m_1".into()), None);
        assert_eq!(sticker.file_in_cache(), "m_1/sticker");
        // The names a cache filled before the two were told apart.
        let ad = wanted(PictureOf::Ad("t_1".into()), Some(0));
        assert_eq!(ad.file_in_cache(), "ad-of-t_1/0");
        assert!(MessageId::stand_in(7).is_stand_in() && !MessageId::from("m_7").is_stand_in());
    }
}
