//! The config file: which pages to serve, with which tokens, and how to sync them.
//!
//! Access tokens live here or in the environment and nowhere else, so a config that group or
//! others can read is refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::graph::{AccessToken, AppSecret, GraphClient, GraphError};
use crate::i18n::Lang;
use crate::keymap::{KeyOverrides, Keymap};
use crate::model::PageId;

pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";
/// The longest a Graph request may take: well inside a reply's claim (two minutes), so a claim
/// never lapses while its send still waits for an answer.
const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest time between two sync cycles.
const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no config file at {0}: copy config.example.toml there, fill in your pages and run chmod 600 on it"
    )]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} can be read by other users of this machine and holds access tokens: run `chmod 600 {0}`"
    )]
    TooOpen(PathBuf),
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("page {page}: no access token: the environment variable {var} is not set")]
    TokenEnvMissing { page: String, var: String },
    #[error("[graph] app_secret_env: the environment variable {0} is not set")]
    AppSecretEnvMissing(String),
    #[error("[webhook] verify_token_env: the environment variable {0} is not set")]
    VerifyTokenEnvMissing(String),
    #[error(
        "webhooks need [webhook] verify_token (or verify_token_env): the token the Meta app's webhook settings give Facebook"
    )]
    NoVerifyToken,
    #[error(
        "webhooks need [graph] app_secret (or app_secret_env): Facebook signs each event with it, and an unsigned event is refused"
    )]
    NoAppSecretForWebhooks,
    #[error("cannot set up the Graph API client: {0}")]
    Client(#[from] GraphError),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub graph: GraphSettings,
    #[serde(default)]
    pub sync: SyncSettings,
    #[serde(default)]
    pub pages: Vec<PageConfig>,
    #[serde(default)]
    pub quick_replies: Vec<QuickReply>,
    /// `"en"` or `"vi"`; from `LANG` when absent.
    pub language: Option<Lang>,
    /// Ring the terminal bell when a customer writes.
    #[serde(default = "yes")]
    pub notify: bool,
    /// Who this person is (`staff = "Lan"`), or the team (`[[staff]]` entries, each matched to
    /// a login name with `user`): the name other staff see on replies, drafts and assignments.
    pub staff: Option<Staff>,
    #[serde(default)]
    pub assignment: AssignmentSettings,
    #[serde(default)]
    pub attachments: AttachmentSettings,
    #[serde(default)]
    pub webhook: WebhookSettings,
    #[serde(default)]
    pub comments: CommentSettings,
    #[serde(default)]
    pub orders: OrderSettings,
    #[serde(default)]
    pub store: StoreSettings,
    /// `[keys.<mode>]`: the config's changes to the default bindings.
    #[serde(default, rename = "keys")]
    key_overrides: KeyOverrides,
    /// The bindings in effect, checked when the config is read.
    #[serde(skip)]
    pub keymap: Keymap,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphSettings {
    pub base_url: String,
    pub version: String,
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// The Meta app's id, for exchanging tokens (`pagedesk connect`).
    pub app_id: Option<String>,
    /// The app's secret: signs every call (`appsecret_proof`) and exchanges tokens. Or name an
    /// environment variable holding it with `app_secret_env`.
    pub app_secret: Option<AppSecret>,
    pub app_secret_env: Option<String>,
}

impl GraphSettings {
    /// The app secret from the config or the environment, when one is set.
    pub fn app_secret(&self) -> Result<Option<AppSecret>, ConfigError> {
        if let Some(secret) = &self.app_secret {
            return Ok(Some(secret.clone()));
        }
        let Some(var) = &self.app_secret_env else {
            return Ok(None);
        };
        match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => Ok(Some(AppSecret::new(value.trim()))),
            _ => Err(ConfigError::AppSecretEnvMissing(var.clone())),
        }
    }

    /// The one Graph API client these settings describe.
    pub fn client(&self) -> Result<GraphClient, ConfigError> {
        Ok(
            GraphClient::new(&self.base_url, &self.version, self.timeout)?
                .with_app_secret(self.app_secret()?),
        )
    }
}

impl Default for GraphSettings {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_GRAPH_BASE_URL.to_owned(),
            version: DEFAULT_GRAPH_VERSION.to_owned(),
            timeout: Duration::from_secs(20),
            app_id: None,
            app_secret: None,
            app_secret_env: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSettings {
    /// Time between two sync cycles.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
    /// How long after the buyer's last message a Spam-folder conversation is pulled in.
    #[serde(deserialize_with = "duration")]
    pub spam_delay: Duration,
    /// How many of a page's most recent conversations its first sync brings in, per folder.
    pub backfill_conversations: usize,
    /// Reply between 24 hours and 7 days after the buyer's last message with the HUMAN_AGENT tag.
    pub human_agent_tag: bool,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            spam_delay: Duration::from_secs(5 * 60),
            backfill_conversations: 200,
            human_agent_tag: true,
        }
    }
}

/// `[store]`: where the team's database is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// PostgreSQL's `postgres://user@host:port/database?sslmode=require` (its password from
    /// PGPASSWORD or a .pgpass file); without it, the data directory's SQLite file.
    /// `PAGEDESK_DATABASE_URL` overrides it.
    pub url: Option<String>,
    /// How long a read waits for PostgreSQL's answer before the database is taken for out of
    /// reach (a server frozen, its machine paused); a write gets 20 s more for its turn.
    #[serde(deserialize_with = "duration")]
    pub answer_within: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            url: None,
            answer_within: crate::store::postgres::ANSWER_WITHIN,
        }
    }
}

/// `[orders]`: the orders closed in conversations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrderSettings {
    /// The shop's catalogue: a CSV file with `code`, `name`, `price` and optionally `variant`,
    /// `stock` and `photo` columns (see `orders::catalogue`).
    pub catalogue: Option<PathBuf>,
    /// A command of the shop's run when an order is confirmed, the order as JSON on its
    /// standard input (to push it to a POS or a carrier): by the engine, once per order
    /// across every pagedesk on the data directory.
    pub on_confirm: Option<String>,
    /// How long `on_confirm` may run before it is stopped, with all it started.
    #[serde(deserialize_with = "duration")]
    pub on_confirm_timeout: Duration,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            catalogue: None,
            on_confirm: None,
            on_confirm_timeout: Duration::from_secs(60),
        }
    }
}

/// `[comments]`: the comments under the pages' posts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommentSettings {
    /// Read the comments at all.
    pub read: bool,
    /// Posts of the last this many days are read with their comments (7: as long as a
    /// comment may be answered privately).
    pub days: u32,
    /// Hide every new comment that holds a phone number as soon as it is read, so that the
    /// buyer is not handed to competitors (off until turned on). A page's switch in the
    /// settings screen, once used, wins over this.
    pub hide_phone_numbers: bool,
    /// Sent once, privately in Messenger, to the author of a comment hidden for its phone
    /// number ("Dạ shop đã inbox chị ạ").
    pub private_reply: Option<String>,
    /// Answered in public under it ("Shop đã inbox ạ").
    pub public_reply: Option<String>,
}

impl Default for CommentSettings {
    fn default() -> Self {
        Self {
            read: true,
            days: 7,
            hide_phone_numbers: false,
            private_reply: None,
            public_reply: None,
        }
    }
}

impl CommentSettings {
    /// What is done with a new comment that holds a phone number.
    pub fn protection(&self) -> crate::store::comments::Protection {
        let template = |text: &Option<String>| {
            text.as_deref()
                .map(crate::text::clean)
                .filter(|t| !t.trim().is_empty())
        };
        crate::store::comments::Protection {
            hide: self.hide_phone_numbers,
            private_reply: template(&self.private_reply),
            public_reply: template(&self.public_reply),
        }
    }
}

/// `[webhook]`: Messenger webhooks received by `pagedesk serve`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// The token Facebook's subscription handshake must offer (set in the Meta app's webhook
    /// settings too). Or name an environment variable holding it with `verify_token_env`.
    pub verify_token: Option<VerifyToken>,
    pub verify_token_env: Option<String>,
    /// How often the inbox folders are still polled while webhooks arrive (Spam folders are
    /// polled every `[sync] interval` whatever comes).
    #[serde(deserialize_with = "duration")]
    pub poll_interval: Duration,
    /// How long a request's headers, then its body, may take to arrive.
    #[serde(deserialize_with = "duration")]
    pub request_timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            verify_token: None,
            verify_token_env: None,
            poll_interval: Duration::from_secs(5 * 60),
            request_timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookSettings {
    /// The verify token from the config or the environment.
    pub fn verify_token(&self) -> Result<VerifyToken, ConfigError> {
        if let Some(token) = &self.verify_token {
            return Ok(token.clone());
        }
        let Some(var) = &self.verify_token_env else {
            return Err(ConfigError::NoVerifyToken);
        };
        match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => Ok(VerifyToken(value.trim().to_owned())),
            _ => Err(ConfigError::VerifyTokenEnvMissing(var.clone())),
        }
    }
}

/// The secret Facebook's webhook handshake offers: compared in constant time, never shown.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct VerifyToken(String);

impl VerifyToken {
    /// The token itself, for keeping it out of what the shop's commands say.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, offered: &str) -> bool {
        let (ours, offered) = (self.0.as_bytes(), offered.as_bytes());
        // Every byte compared whatever differs, so the time says nothing of where.
        ours.len() == offered.len()
            && ours
                .iter()
                .zip(offered)
                .fold(0u8, |differ, (a, b)| differ | (a ^ b))
                == 0
    }
}

impl std::fmt::Debug for VerifyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyToken([redacted])")
    }
}

/// `staff`: one name, this person's; or the team, as `[[staff]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Staff {
    Me(String),
    Team(Vec<StaffMember>),
}

/// A `[[staff]]` entry: a name staff see, and the login names it is for on this server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    pub name: String,
    #[serde(default)]
    pub user: Option<String>,
}

/// `[assignment]`: who gets new conversations.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssignmentSettings {
    pub new_conversations: NewConversations,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NewConversations {
    /// Staff take them themselves.
    #[default]
    Nobody,
    /// In turn among the `[[staff]]` marked available (`pagedesk staff available`).
    RoundRobin,
}

/// `[attachments]`: pictures and files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentSettings {
    /// How much the picture cache in the data directory may hold, in megabytes.
    pub cache_mb: u64,
    /// The folder of product photos the attach picker opens on (`~/` is the home folder).
    pub library: Option<std::path::PathBuf>,
    /// How pictures are drawn: asked of the terminal when it opens, or said here.
    pub graphics: Graphics,
}

/// How the terminal draws pictures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Graphics {
    /// Whatever the terminal answers it can draw (kitty, sixel, iTerm2), else half blocks.
    #[default]
    Auto,
    /// Coloured half blocks, two pixels a cell: every terminal with colour, tmux without
    /// passthrough, and nothing asked of the terminal at start.
    HalfBlocks,
    Kitty,
    Sixel,
    Iterm2,
}

impl Default for AttachmentSettings {
    fn default() -> Self {
        Self {
            cache_mb: 200,
            library: None,
            graphics: Graphics::Auto,
        }
    }
}

impl AttachmentSettings {
    pub fn cache_bytes(&self) -> u64 {
        self.cache_mb.saturating_mul(1024 * 1024)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageConfig {
    pub id: PageId,
    pub name: Option<String>,
    access_token: Option<AccessToken>,
    access_token_env: Option<String>,
}

/// `[orders] on_confirm` as the engine runs it: the command, and what it must never see or
/// repeat of the config's secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderHook {
    pub command: String,
    pub timeout: Duration,
    /// Environment variables the config reads secrets from: taken out of the command's.
    pub hidden_env: Vec<String>,
    /// The secrets themselves (tokens, the app secret): redacted from what the command says.
    pub secrets: Vec<String>,
}

impl Config {
    /// `[orders] on_confirm`, with the config's secrets to keep from it; `None` when unset.
    pub fn order_hook(&self) -> Option<OrderHook> {
        let command = self.orders.on_confirm.clone()?;
        let mut hidden_env: Vec<String> = self
            .pages
            .iter()
            .filter_map(|page| page.access_token_env.clone())
            .collect();
        hidden_env.extend(self.graph.app_secret_env.clone());
        hidden_env.extend(self.webhook.verify_token_env.clone());
        let mut secrets: Vec<String> = self
            .pages
            .iter()
            .filter_map(|page| page.token().ok())
            .map(|token| token.expose().to_owned())
            .collect();
        if let Ok(Some(secret)) = self.graph.app_secret() {
            secrets.push(secret.expose().to_owned());
        }
        if let Ok(token) = self.webhook.verify_token() {
            secrets.push(token.expose().to_owned());
        }
        Some(OrderHook {
            command,
            timeout: self.orders.on_confirm_timeout,
            hidden_env,
            secrets,
        })
    }
}

impl PageConfig {
    pub fn new(id: &str, name: Option<&str>, token: AccessToken) -> Self {
        Self {
            id: id.to_owned().into(),
            name: name.map(str::to_owned),
            access_token: Some(token),
            access_token_env: None,
        }
    }

    /// The page's token, read from the environment at the moment it is needed when the config
    /// names a variable rather than holding the token itself.
    pub fn token(&self) -> Result<AccessToken, ConfigError> {
        if let Some(token) = &self.access_token {
            return Ok(token.clone());
        }
        let var = self.access_token_env.clone().unwrap_or_default();
        match std::env::var(&var) {
            Ok(value) if !value.trim().is_empty() => Ok(AccessToken::new(value.trim())),
            _ => Err(ConfigError::TokenEnvMissing {
                page: self.id.clone().to_string(),
                var,
            }),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickReply {
    pub shortcut: String,
    pub text: String,
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing(path.to_owned()));
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        refuse_open_permissions(path)?;
        Self::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses and checks a config; the message names the line and the key at fault, never the
    /// value written there (a mistyped key can hold a token).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        let mut seen = std::collections::HashSet::new();
        for page in &config.pages {
            if page.id.as_str().trim().is_empty() {
                return Err("[[pages]]: `id` is empty".into());
            }
            if !seen.insert(page.id.as_str()) {
                return Err(format!("[[pages]]: page {} is listed twice", page.id));
            }
            match (&page.access_token, &page.access_token_env) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "[[pages]] id = {}: give `access_token` or `access_token_env`, not both",
                        page.id
                    ));
                }
                (None, None) => {
                    return Err(format!(
                        "[[pages]] id = {}: missing `access_token` or `access_token_env`",
                        page.id
                    ));
                }
                _ => {}
            }
        }
        if config.graph.app_secret.is_some() && config.graph.app_secret_env.is_some() {
            return Err("[graph]: give `app_secret` or `app_secret_env`, not both".into());
        }
        if config.graph.timeout > MAX_TIMEOUT {
            return Err("[graph] timeout: at most \"60s\"".into());
        }
        if config.sync.interval > MAX_INTERVAL {
            return Err("[sync] interval: at most \"24h\"".into());
        }
        if !(Duration::from_secs(1)..=Duration::from_secs(600))
            .contains(&config.store.answer_within)
        {
            return Err("[store] answer_within: from \"1s\" to \"10m\"".into());
        }
        if config.sync.backfill_conversations == 0 {
            return Err("[sync] backfill_conversations: must be at least 1".into());
        }
        url::Url::parse(&config.graph.base_url).map_err(|e| format!("[graph] base_url: {e}"))?;
        if let Some(Staff::Team(team)) = &config.staff {
            let mut names = std::collections::HashSet::new();
            for member in team {
                if member.name.trim().is_empty() {
                    return Err("[[staff]]: `name` is empty".into());
                }
                if !names.insert(member.name.trim().to_lowercase()) {
                    return Err(format!("[[staff]]: {} is listed twice", member.name.trim()));
                }
            }
        }
        config.keymap = Keymap::with(&config.key_overrides)?;
        Ok(config)
    }
}

/// The login name of this process's user, from the user database (`/etc/passwd`, or NSS):
/// a service or `su -c` may start pagedesk without `USER` or `LOGNAME`.
pub(crate) fn login_name() -> Option<String> {
    // SAFETY: getuid has no preconditions and cannot fail.
    user_name(unsafe { libc::getuid() })
}

/// The login name of user `uid`, from the user database.
pub(crate) fn user_name(uid: libc::uid_t) -> Option<String> {
    let mut record: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: `record` and `buffer` outlive the call, `buffer`'s length is passed, and the
    // strings `record` points at live in `buffer`, read below before it is dropped.
    let status = unsafe {
        libc::getpwuid_r(
            uid,
            &mut record,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() || record.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so `pw_name` is a NUL-terminated string inside `buffer`.
    let name = unsafe { std::ffi::CStr::from_ptr(record.pw_name) };
    Some(name.to_string_lossy().into_owned()).filter(|name| !name.trim().is_empty())
}

impl Config {
    /// Who is using pagedesk: `staff = "…"` in the config, else `PAGEDESK_STAFF` (several
    /// staff sharing one login set it in their own environment), else the `[[staff]]` entry
    /// for the login name, else the login name (from the environment, else the user database).
    /// Under `sudo -u pagedesk` (staff opening the server's inbox as the service's user), the
    /// login is the one sudo was run from.
    pub fn staff_name(&self) -> String {
        let given = |name: &str| !name.trim().is_empty();
        let login = ["SUDO_USER", "USER", "LOGNAME"]
            .into_iter()
            .find_map(|name| std::env::var(name).ok())
            .filter(|name| given(name))
            .or_else(login_name);
        let named = match &self.staff {
            Some(Staff::Me(name)) => Some(name.clone()),
            _ => None,
        };
        let from_team = || match (&self.staff, &login) {
            (Some(Staff::Team(team)), Some(login)) => team
                .iter()
                .find(|member| member.user.as_deref() == Some(login.as_str()))
                .map(|member| member.name.clone()),
            _ => None,
        };
        named
            .filter(|name| given(name))
            .or_else(|| {
                std::env::var("PAGEDESK_STAFF")
                    .ok()
                    .filter(|name| given(name))
            })
            .or_else(from_team)
            .or(login)
            .map(|name| crate::text::clean_line(&name))
            .filter(|name| given(name))
            // SAFETY: getuid has no preconditions and cannot fail.
            .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }))
    }

    /// The team's names, in the config's order (nobody when `staff` names only this person).
    pub fn team(&self) -> Vec<String> {
        match &self.staff {
            Some(Staff::Team(team)) => team
                .iter()
                .map(|member| crate::text::clean_line(&member.name))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// "line 3, `spam_delay`: what is wrong", without quoting the line: toml's own message shows
/// the line, and serde's can quote the value.
fn syntax_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim();
    let Some(span) = error.span() else {
        return message.to_owned();
    };
    let start = span.start.min(text.len());
    let line_number = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_number - 1).unwrap_or_default();
    let (key, value) = line.split_once('=').unwrap_or((line, ""));
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let message = crate::graph::redact_secret(message, value);
    let key = key.trim();
    // TOML's "duplicate key" says nothing a shop can act on: the two ways of naming staff.
    if message.contains("duplicate key") && (key == "staff" || line.trim() == "[[staff]]") {
        return format!(
            "line {line_number}: `staff = \"…\"` and `[[staff]]` cannot both be in the config: keep the team under [[staff]] and say who you are with each entry's `user` (your login name) or PAGEDESK_STAFF=Name"
        );
    }
    if key.is_empty() || key.starts_with('[') || key.len() > 60 {
        format!("line {line_number}: {message}")
    } else {
        format!("line {line_number}, `{key}`: {message}")
    }
}

#[cfg(unix)]
fn refuse_open_permissions(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(ConfigError::TooOpen(path.to_owned()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_open_permissions(_path: &Path) -> Result<(), ConfigError> {
    Ok(())
}

/// Parses a duration written as a number and a unit: `"45s"`, `"5m"`, `"2h"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or("no unit: write it like \"30s\", \"5m\", \"1h\" or \"7d\"")?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| "a duration starts with a number: write it like \"30s\", \"5m\" or \"1h\"")?;
    let seconds = match unit {
        "s" => Some(number),
        "m" => number.checked_mul(60),
        "h" => number.checked_mul(3600),
        "d" => number.checked_mul(86_400),
        _ => return Err("the unit must be s, m, h or d".into()),
    };
    seconds
        .map(Duration::from_secs)
        .ok_or_else(|| "the duration is too long".into())
}

fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_for_the_database_is_ten_seconds_unless_set_within_reason() {
        let default = Config::parse("").unwrap();
        assert_eq!(default.store.answer_within, Duration::from_secs(10));
        let set = Config::parse("[store]\nanswer_within = \"30s\"\n").unwrap();
        assert_eq!(set.store.answer_within, Duration::from_secs(30));
        for bad in ["0s", "2h"] {
            let refused =
                Config::parse(&format!("[store]\nanswer_within = \"{bad}\"\n")).unwrap_err();
            assert!(refused.contains("[store] answer_within"), "{refused}");
        }
    }

    #[test]
    fn staff_named_beside_the_team_says_which_to_keep() {
        let both = Config::parse("staff = \"Minh\"\n[[staff]]\nname = \"Hà\"\n").unwrap_err();
        assert!(
            both.contains("`staff = \"…\"` and `[[staff]]` cannot both be in the config")
                && both.contains("PAGEDESK_STAFF"),
            "{both}"
        );
    }

    #[test]
    fn the_team_is_the_staff_entries_and_who_is_using_pagedesk_is_found_in_it() {
        let config = Config::parse(
            "[[staff]]\nname = \"Hà\"\nuser = \"ha\"\n[[staff]]\nname = \"Minh\"\n\
             [assignment]\nnew_conversations = \"round-robin\"\n",
        )
        .unwrap();
        assert_eq!(config.team(), ["Hà", "Minh"]);
        assert_eq!(
            config.assignment.new_conversations,
            NewConversations::RoundRobin
        );
        let named = Config::parse("staff = \"Lan\"\n").unwrap();
        assert_eq!(named.staff_name(), "Lan");
        assert!(named.team().is_empty());
        let twice = Config::parse("[[staff]]\nname = \"Hà\"\n[[staff]]\nname = \"hà\"\n");
        assert!(twice.unwrap_err().contains("listed twice"));
        assert!(Config::parse("[[staff]]\nname = \" \"\n").is_err());
    }

    #[test]
    fn durations_take_seconds_minutes_hours() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("5").is_err());
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn errors_name_the_line_and_the_key() {
        let err =
            Config::parse("[sync]\ninterval = \"30s\"\nspam_delay = \"5 minutes\"\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("spam_delay"), "{err}");
        let err = Config::parse("[sync]\nintervall = \"30s\"\n").unwrap_err();
        assert!(err.contains("intervall") && err.contains("line 2"), "{err}");
        assert!(parse_duration("99999999999999999h").is_err());
        let err = Config::parse("[sync]\ninterval = \"99999999999h\"\n").unwrap_err();
        assert!(err.contains("at most"), "{err}");
        let err = Config::parse("[graph]\ntimeout = \"5m\"\n").unwrap_err();
        assert!(err.contains("at most \"60s\""), "{err}");
    }

    #[test]
    fn errors_never_quote_the_value_written() {
        let token = "EAABsecretsecret1234567890";
        for text in [
            format!("[[pages]]\nid = \"1\"\nacess_token = \"{token}\"\n"),
            format!("[[pages]]\nid = \"1\"\naccess_token = {token}\n"),
            format!("notify = \"{token}\"\n"),
            format!("[[pages]]\nid = \"1\"\naccess_token = [\"{token}\"]\n"),
            format!("[sync]\ninterval = \"{token}\"\n"),
        ] {
            let err = Config::parse(&text).unwrap_err();
            assert!(err.contains("line "), "{err}");
            assert!(!err.contains("EAABsecret"), "{err}");
            assert!(!err.contains("1234567890"), "{err}");
        }
    }

    #[test]
    fn a_page_needs_exactly_one_token_source() {
        let err = Config::parse("[[pages]]\nid = \"1\"\n").unwrap_err();
        assert!(err.contains("access_token"), "{err}");
        let err = Config::parse(
            "[[pages]]\nid = \"1\"\naccess_token = \"x\"\naccess_token_env = \"Y\"\n",
        )
        .unwrap_err();
        assert!(err.contains("not both"), "{err}");
    }

    #[test]
    fn the_verify_token_matches_itself_only_and_is_never_shown() {
        let token = VerifyToken("vai-hoa-2026".into());
        assert!(token.matches("vai-hoa-2026"));
        assert!(!token.matches("vai-hoa-2025"));
        assert!(!token.matches("vai-hoa-20266"));
        assert!(!token.matches(""));
        assert_eq!(format!("{token:?}"), "VerifyToken([redacted])");
    }

    #[test]
    fn a_token_from_the_environment_names_the_variable_when_missing() {
        let config = Config::parse(
            "[[pages]]\nid = \"42\"\naccess_token_env = \"PAGEDESK_TEST_SURELY_UNSET\"\n",
        )
        .unwrap();
        let err = config.pages[0].token().unwrap_err().to_string();
        assert!(
            err.contains("PAGEDESK_TEST_SURELY_UNSET") && err.contains("42"),
            "{err}"
        );
    }

    #[test]
    fn the_example_config_parses() {
        let example = include_str!("../config.example.toml");
        let config = Config::parse(example).unwrap();
        assert!(config.pages.is_empty(), "no made-up page is synced");
        // Its pages, uncommented as staff fill them in by hand.
        let start = example.find("# [[pages]]").unwrap();
        let end = example.find("[attachments]").unwrap();
        let uncommented: Vec<&str> = example[start..end]
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(setting) if setting.starts_with("[[") || setting.contains(" = ") => setting,
                _ => line,
            })
            .collect();
        let pages = format!(
            "{}{}\n{}",
            &example[..start],
            uncommented.join("\n"),
            &example[end..]
        );
        let config = Config::parse(&pages).unwrap();
        assert_eq!(config.pages.len(), 2);
        assert!(config.quick_replies.len() >= 4);
        assert_eq!(config.sync.spam_delay, Duration::from_secs(300));
    }

    #[test]
    fn a_config_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(&path).is_ok());
    }
}
