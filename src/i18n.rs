//! Every string people read, in English and Vietnamese, in one place. A template's `{}` are
//! filled in order by [`Tr::f`].

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::files::{FileProblem, MAX_FILE_BYTES, READ_TIMEOUT};
use crate::model::{Referral, ReplyProblem};

/// The staff's language: `language = "en"` or `"vi"` in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Vi,
}

impl Lang {
    /// The config's choice, else `LANG` (Vietnamese for `vi*`), else English.
    pub fn choose(configured: Option<Lang>) -> Lang {
        configured.unwrap_or_else(|| match std::env::var("LANG").unwrap_or_default() {
            l if l.starts_with("vi") => Lang::Vi,
            _ => Lang::En,
        })
    }
}

macro_rules! strings {
    ($($key:ident => $en:literal, $vi:literal;)*) => {
        /// A string key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum S { $($key),* }

        impl S {
            pub const ALL: &'static [S] = &[$(S::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((S::$key, Lang::En) => $en, (S::$key, Lang::Vi) => $vi,)*
                }
            }
        }
    };
}

strings! {
    Pages => "Pages", "Trang";
    AllPages => "All pages", "Tất cả trang";
    Filters => "Filters", "Bộ lọc";
    FilterAll => "All", "Tất cả";
    FilterSpam => "Spam", "Spam";
    FilterUnread => "Unread", "Chưa đọc";
    FilterUnreplied => "Unreplied", "Chưa trả lời";
    FilterDone => "Done", "Đã xong";
    Conversations => "Conversations", "Hội thoại";
    NoConversations => "No conversations here.", "Không có hội thoại nào.";
    NothingOpen => "Pick a conversation with j/k, open it with Enter.", "Chọn hội thoại bằng j/k, mở bằng Enter.";
    UnreadableNow => "This conversation's messages cannot be read while the database is out of reach: they show once it answers. Those shown since the inbox opened show as they were.", "Chưa đọc được tin nhắn của hội thoại này vì không kết nối được cơ sở dữ liệu; khi kết nối lại, tin nhắn sẽ hiện ra. Hội thoại đã xem từ lúc mở hộp thư thì vẫn xem lại được.";
    HiddenMark => "hidden", "đã ẩn";
    LikedMark => "liked", "đã thích";
    HiddenForPhoneMark => "hidden: it holds a phone number", "đã ẩn vì có số điện thoại";
    PrivateMark => "private", "nhắn riêng";
    PublicMark => "public", "công khai";
    CommentPreview => "“{}” {}", "“{}” {}";
    ReplyInPublic => "Answer in public", "Trả lời công khai";
    ReplyPrivately => "Answer privately in Messenger", "Nhắn riêng qua Messenger";
    NoWindowUnderPost => "under the post", "dưới bài viết";
    LikeRefused => "⊘ Facebook did not like these comments: {}. +: try again", "⊘ Facebook chưa thích được bình luận: {}. +: thử lại";
    HideRefused => "⊘ Facebook did not hide these comments: {}. H: try again", "⊘ Facebook chưa ẩn được bình luận: {}. H: thử lại";
    ShowRefused => "⊘ Facebook did not show these comments again: {}. H: try again", "⊘ Facebook chưa hiện lại được bình luận: {}. H: thử lại";
    ThreadBanner => "💬 Comments under the post below. Enter: answer in public · {} · H: hide or show · +: like", "💬 Bình luận dưới bài viết bên dưới. Enter: trả lời công khai · {} · H: ẩn hoặc hiện · +: thích";
    ThreadPrivately => "Ctrl-T: privately in Messenger", "Ctrl-T: nhắn riêng qua Messenger";
    ThreadAnsweredPrivately => "answered privately already (Facebook takes one)", "đã nhắn riêng rồi (Facebook chỉ cho một lần)";
    ThreadTooOldPrivately => "no private answer after 7 days", "quá 7 ngày, không nhắn riêng được";
    PostWithoutWords => "(no words: o opens it on Facebook)", "(không có chữ: bấm o để mở trên Facebook)";
    SpamBanner => "Facebook put this conversation in Spam. Reply to remove the spam mark.", "Facebook đã đưa hội thoại này vào mục Spam. Trả lời để gỡ đánh dấu spam.";
    SpamBannerClosed => "Facebook put this conversation in Spam. Its reply window has closed, so no reply can remove the mark.", "Facebook đã đưa hội thoại này vào mục Spam. Đã quá thời hạn trả lời nên không thể gỡ đánh dấu spam bằng tin trả lời.";
    Reply => "Reply", "Trả lời";
    Sending => "sending…", "đang gửi…";
    WaitingToSend => "waiting to be sent", "đang chờ gửi";
    Sent => "sent", "đã gửi";
    Pending => "not sent yet: {}", "chưa gửi được: {}";
    Failed => "failed: {}", "lỗi: {}";
    RetryHint => "{}: retry", "{}: gửi lại";
    NewMessages => "{} new", "{} tin mới";
    WindowLeft => "{} left", "còn {}";
    WindowTag => "tag", "tag";
    WindowClosed => "closed", "đã đóng";
    WindowNotYet => "until they answer", "chờ khách trả lời";
    SpamMark => "spam", "spam";
    Today => "Today", "Hôm nay";
    Yesterday => "Yesterday", "Hôm qua";
    Now => "now", "vừa xong";
    Minutes => "{}m", "{} phút";
    Hours => "{}h", "{} giờ";
    Days => "{}d", "{} ngày";
    Ago => "{} ago", "{} trước";
    In => "in {}", "sau {}";
    UnavailableMany => "{} messages Facebook no longer shows in full: read them in Meta Business Suite", "{} tin Facebook không còn cho xem đầy đủ: xem trong Meta Business Suite";
    Unavailable => "a message Facebook no longer shows in full: read it in Meta Business Suite", "một tin Facebook không còn cho xem đầy đủ: xem trong Meta Business Suite";
    Sticker => "[sticker]", "[nhãn dán]";
    Image => "[image: {}]", "[ảnh: {}]";
    Video => "[video: {}]", "[video: {}]";
    Voice => "[voice message: {}]", "[tin nhắn thoại: {}]";
    File => "[file: {}]", "[tệp: {}]";
    Link => "[link: {}]", "[liên kết: {}]";
    PreviewPhoto => "📷 Photo", "📷 Ảnh";
    PreviewSticker => "Sticker", "Nhãn dán";
    PreviewVideo => "🎬 Video", "🎬 Video";
    PreviewVoice => "🎤 Voice message", "🎤 Tin nhắn thoại";
    PreviewFile => "File: {}", "Tệp: {}";
    PreviewPlace => "📍 {}", "📍 {}";
    PreviewLink => "🔗 {}", "🔗 {}";
    PreviewRemoved => "Message unsent", "Tin nhắn đã thu hồi";
    PreviewCommentRemoved => "Comment removed", "Bình luận đã bị xoá";
    Place => "[place: {}]", "[vị trí: {}]";
    Removed => "[the buyer unsent this message]", "[khách đã thu hồi tin nhắn này]";
    CommentRemoved => "[the buyer deleted this comment]", "[khách đã xoá bình luận này]";
    Edited => "edited", "đã sửa";
    Answering => "↩ answering {}: {}", "↩ trả lời {}: {}";
    AnsweringEarlier => "↩ answering an earlier message", "↩ trả lời một tin nhắn trước đó";
    FromAd => "📣 Came from the ad \"{}\" · {}", "📣 Khách đến từ quảng cáo \"{}\" · {}";
    FromAdUntitled => "📣 Came from an ad (id {}) · {}", "📣 Khách đến từ một quảng cáo (mã {}) · {}";
    FromLink => "📣 Came from a link (ref {}) · {}", "📣 Khách đến từ đường liên kết (ref {}) · {}";
    AdPhoto => "the ad's photo:", "ảnh của quảng cáo:";
    FromSource => "📣 Came from {} · {}", "📣 Khách đến từ {} · {}";
    HeldByApp => "🤖 App {} holds this conversation since {}: a chatbot may answer too, and replies from here may be refused", "🤖 Ứng dụng {} giữ hội thoại từ {}: chatbot có thể trả lời khách, tin gửi từ đây có thể bị từ chối";
    HeldByUnnamed => "🤖 Another app holds this conversation since {}: a chatbot may answer too, and replies from here may be refused", "🤖 Một ứng dụng khác giữ hội thoại từ {}: chatbot có thể trả lời khách, tin gửi từ đây có thể bị từ chối";
    Synced => "{}: synced {} ago", "{}: đồng bộ {} trước";
    SyncedLive => "{}: live (polled {} ago)", "{}: nhận tin tức thì (lần kiểm tra gần nhất {} trước)";
    WebhooksMissed => "{}: polling, webhooks not arriving since {}", "{}: đang hỏi Facebook, webhook không đến từ {}";
    Seconds => "{} s", "{} giây";
    Syncing => "{}: syncing…", "{}: đang đồng bộ…";
    Standby => "sync by pagedesk pid {}", "pagedesk pid {} đang đồng bộ";
    PidOnMachine => "{} on {}", "{} trên máy {}";
    NoDatabase => "cannot reach the database, {}", "không kết nối được cơ sở dữ liệu {}";
    NotDoneNoDatabase => "Not done: the database cannot be reached; do it again once it is back.", "Chưa làm được: không kết nối được cơ sở dữ liệu; hãy làm lại khi đã kết nối lại.";
    DatabaseDown => "cannot reach the database: showing what was read, typing kept, trying again; w says more ({})", "không kết nối được cơ sở dữ liệu: đang hiện bản đã đọc, chữ gõ vẫn giữ, đang thử lại; bấm w để xem thêm ({})";
    EngineStopped => "sync stopped here after an internal error ({}); another pagedesk takes over, or restart this one", "đồng bộ ở đây đã dừng do lỗi nội bộ ({}); một pagedesk khác sẽ tiếp quản, hoặc hãy mở lại";
    NotSyncedYet => "{}: not synced yet", "{}: chưa đồng bộ";
    RateLimited => "{}: Facebook asks to wait until {}; new buyers may be waiting unseen", "{}: Facebook bắt chờ đến {}; có thể có khách mới đang chờ mà chưa hiện";
    TokenProblem => "{}: token no longer works: run pagedesk connect", "{}: token không còn dùng được: chạy pagedesk connect";
    FacebookSlow => "{}: Facebook not answering since {}, retrying", "{}: Facebook không phản hồi từ {}, đang thử lại";
    PermissionMissing => "{}: permission missing on the page since {}", "{}: thiếu quyền trên trang từ {}";
    SyncFailed => "{}: not syncing since {}", "{}: không đồng bộ được từ {}";
    WhyNotSyncing => "⚠ {}. Why: {}", "⚠ {}. Lý do: {}";
    CommentsFailing => "{}: comments not read since {}", "{}: không đọc được bình luận từ {}";
    WhyNoComments => "⚠ {}: messages sync, but comments have not been read since {}. Why: {}", "⚠ {}: tin nhắn vẫn đồng bộ, nhưng không đọc được bình luận từ {}. Lý do: {}";
    TokenBanner => "{}: the access token no longer works. Run `pagedesk connect` (or put a new Page access token in the config).", "{}: token truy cập không còn dùng được. Hãy chạy `pagedesk connect` (hoặc đặt token trang mới vào file cấu hình).";
    SpamWaiting => "{} spam waiting, next at {}", "{} hội thoại spam đang chờ, tiếp theo lúc {}";
    ReplyQueued => "Sending…", "Đang gửi…";
    ReplySent => "Reply sent.", "Đã gửi trả lời.";
    ReplyNotSent => "Reply not sent: {}", "Chưa gửi được: {}";
    Retrying => "Trying again…", "Đang gửi lại…";
    CannotRetry => "This reply cannot go through, even tried again: {}", "Tin này không thể gửi được, kể cả khi gửi lại: {}";
    NothingToRetry => "No failed reply in this conversation.", "Hội thoại này không có tin lỗi.";
    StoreError => "Database error: {}", "Lỗi cơ sở dữ liệu: {}";
    StoreDataDir => "cannot use the data directory {}: {}", "không dùng được thư mục dữ liệu {}: {}";
    StoreNotOwner => "the data directory {} belongs to another user ({}): customers' messages are kept in a directory one user alone reads; run pagedesk as that user (sudo -u {} pagedesk …), or give a directory of your own with --data-dir", "thư mục dữ liệu {} thuộc về người dùng khác ({}): tin nhắn của khách chỉ được giữ trong thư mục một người dùng đọc được; hãy chạy pagedesk bằng người dùng đó (sudo -u {} pagedesk …), hoặc chọn thư mục của riêng mình bằng --data-dir";
    StoreReadOnly => "the database in {} is read-only: check the permissions of the data directory and its files", "cơ sở dữ liệu trong {} chỉ đọc được, không ghi được: hãy kiểm tra quyền của thư mục dữ liệu và các tệp trong đó";
    StoreWriterStopped => "the inbox's database writer stopped; restart pagedesk (what you typed is kept)", "phần ghi cơ sở dữ liệu của hộp thư đã dừng; hãy mở lại pagedesk (chữ đã gõ vẫn được giữ)";
    StoreEmptyReply => "the reply is empty: nothing was stored or sent", "tin trả lời trống: không lưu và không gửi gì";
    StoreNoConversation => "no conversation {} in the database: run `pagedesk sync --once` first", "không có hội thoại {} trong cơ sở dữ liệu: hãy chạy `pagedesk sync --once` trước";
    StoreEmptyLabel => "a label needs a name", "nhãn cần có tên";
    StoreLabelExists => "there is a label named {} already", "đã có nhãn tên {} rồi";
    StoreNoLabel => "that label was deleted (by someone else?)", "nhãn đó đã bị xóa (có thể do người khác?)";
    StoreDamaged => "the database {} is damaged ({}): it was not used", "cơ sở dữ liệu {} bị hỏng ({}): không dùng đến";
    StoreInUse => "a pagedesk (an inbox, sync or serve) is using {}: stop it first", "đang có pagedesk (hộp thư, sync hoặc serve) dùng {}: hãy tắt nó trước";
    StoreEmptyNote => "the note is empty: nothing was stored", "ghi chú trống: không lưu gì";
    StoreNoteTooLong => "the note is longer than {} characters, the most a note takes: nothing was stored", "ghi chú dài quá {} ký tự, mức tối đa của một ghi chú: không lưu gì";
    StoreTooNew => "the database was written by a newer pagedesk (schema {}; this one, {}, knows schema {} and older): install that newer pagedesk again, or restore a backup taken before it", "cơ sở dữ liệu do một bản pagedesk mới hơn ghi (cấu trúc số {}; bản này, {}, chỉ biết cấu trúc số {} trở về trước): hãy cài lại bản pagedesk mới hơn đó, hoặc khôi phục bản sao lưu làm trước khi nâng cấp";
    StoreOnPostgres => "pagedesk {} works on the data directory's SQLite database; this pagedesk keeps its data in PostgreSQL ([store] url): use PostgreSQL's own tools there (pg_dump, pg_restore)", "lệnh pagedesk {} chỉ làm việc với cơ sở dữ liệu SQLite trong thư mục dữ liệu; pagedesk này giữ dữ liệu trong PostgreSQL (mục [store] url): hãy dùng công cụ riêng của PostgreSQL (pg_dump, pg_restore)";
    StoreUnreadable => "cannot read {}: {}", "không đọc được {}: {}";
    StoreDiskFull => "the disk is full: free some space; nothing stored was lost", "ổ đĩa đầy: hãy dọn bớt chỗ; dữ liệu đã lưu không mất gì";
    StoreSqliteReadOnly => "the database is read-only: check the permissions of the data directory", "cơ sở dữ liệu chỉ đọc được, không ghi được: hãy kiểm tra quyền của thư mục dữ liệu";
    StoreCannotWrite => "cannot write to the disk (full, or a file size limit?); nothing stored was lost", "không ghi được xuống ổ đĩa (đầy, hoặc bị giới hạn dung lượng tệp?); dữ liệu đã lưu không mất gì";
    StoreCannotOpen => "cannot open the database file: check the data directory", "không mở được tệp cơ sở dữ liệu: hãy kiểm tra thư mục dữ liệu";
    StoreBusy => "another pagedesk kept the database busy for too long; try again", "một pagedesk khác giữ cơ sở dữ liệu quá lâu; hãy thử lại";
    StoreFileDamaged => "the database file is damaged", "tệp cơ sở dữ liệu bị hỏng";
    IoPermissionDenied => "permission denied", "không có quyền truy cập";
    IoNotFound => "it does not exist", "không tồn tại";
    WindowTooSmall => "Make the window at least {} for pagedesk (it is {}; Ctrl-C quits).", "Hãy mở rộng cửa sổ tối thiểu {} để dùng pagedesk (hiện là {}; Ctrl-C để thoát).";
    OthersReplying => "{} replying…", "{} đang trả lời…";
    OthersHaveItOpen => "{} has it open", "{} đang xem";
    CannotSend => "Not sent: {}. The reply stays in the box.", "Chưa gửi: {}. Tin vẫn ở ô trả lời.";
    ReplyFooter => "{} · {} characters left", "{} · còn {} ký tự";
    ReplyFooterOver => "{} · {} characters over Facebook's 2000", "{} · quá {} ký tự so với giới hạn 2000 của Facebook";
    ConfigRead => "The config was read again: new tokens are used now.", "Đã đọc lại file cấu hình: token mới được dùng ngay.";
    ConfigReadRestart => "The config was read again: new tokens are used now; pages added or removed need a restart.", "Đã đọc lại file cấu hình: token mới được dùng ngay; thêm hay bớt trang thì cần mở lại pagedesk.";
    ConfigUnusable => "The config changed but cannot be used ({}); the one read before stays in use.", "File cấu hình đã đổi nhưng không dùng được ({}); vẫn dùng bản đọc trước đó.";
    QuitWithWaiting => "{} replies are not sent yet: they stay in the outbox and the next pagedesk running here (the inbox or pagedesk sync) sends them. {} again quits.", "{} tin chưa gửi: tin vẫn nằm trong hộp thư đi và pagedesk chạy kế tiếp ở đây (hộp thư hoặc pagedesk sync) sẽ gửi. Nhấn {} lần nữa để thoát.";
    QuitWithWaitingOne => "{} reply is not sent yet: it stays in the outbox and the next pagedesk running here (the inbox or pagedesk sync) sends it. {} again quits.", "{} tin chưa gửi: tin vẫn nằm trong hộp thư đi và pagedesk chạy kế tiếp ở đây (hộp thư hoặc pagedesk sync) sẽ gửi. Nhấn {} lần nữa để thoát.";
    CliSyncedNothing => "{}: synced, nothing new", "{}: đã đồng bộ, không có gì mới";
    CliSyncedNews => "{}: synced, {} new messages", "{}: đã đồng bộ, {} tin mới";
    CliSyncedNewsOne => "{}: synced, {} new message", "{}: đã đồng bộ, {} tin mới";
    CliNoConversations => "No conversations. Run `pagedesk sync --once` to fetch them.", "Chưa có hội thoại. Chạy `pagedesk sync --once` để tải về.";
    CliUpdated => "UPDATED", "CẬP NHẬT";
    CliPage => "PAGE", "TRANG";
    CliCustomer => "CUSTOMER", "KHÁCH";
    CliLastMessage => "LAST MESSAGE", "TIN CUỐI";
    CliUnreadFlag => "{} new", "{} mới";
    CliSent => "Sent ({}).", "Đã gửi ({}).";
    CliNotSentYet => "Not sent yet: {}. The reply is kept and `pagedesk sync` will deliver it.", "Chưa gửi được: {}. Tin được giữ lại và `pagedesk sync` sẽ gửi.";
    CliNoDatabase => "cannot reach the database ({})", "không kết nối được cơ sở dữ liệu ({})";
    CliReplyNotStored => "Not stored, so nothing will be sent: {}. Send it again once the database is back.", "Chưa lưu được nên sẽ không gửi gì: {}. Khi kết nối lại được cơ sở dữ liệu, hãy gửi lại.";
    CliReplyMaybeStored => "Cannot tell whether the reply was stored: {}. Once the database is back, look with `pagedesk messages {}` before sending it again: a stored reply is sent once by `pagedesk sync`.", "Không biết câu trả lời đã được lưu hay chưa: {}. Khi kết nối lại được, hãy xem bằng `pagedesk messages {}` trước khi gửi lại: tin đã lưu sẽ được `pagedesk sync` gửi đúng một lần.";
    CliReplyStoredCutOff => "The reply is stored, but sending it was cut off: {}. Do not send it again: `pagedesk sync` (or the running service) sends it once, after looking whether Facebook has it already; `pagedesk messages {}` shows it.", "Câu trả lời đã được lưu nhưng việc gửi bị gián đoạn: {}. Đừng gửi lại: `pagedesk sync` (hoặc dịch vụ đang chạy) sẽ gửi đúng một lần, sau khi xem Facebook đã nhận chưa; xem bằng `pagedesk messages {}`.";
    InboxWaitsForDatabase => "Cannot reach the database (PostgreSQL {}): the inbox opens as soon as it answers; trying again every 2 seconds (Ctrl-C to stop).", "Không kết nối được cơ sở dữ liệu (PostgreSQL {}): khi kết nối lại, hộp thư sẽ tự mở; pagedesk thử lại mỗi 2 giây (Ctrl-C để dừng).";
    DraftsNotKept => "What you typed is not saved yet and could not be kept on this machine's disk either ({}): do not close the inbox before the database is back.", "Nội dung đang gõ chưa được lưu và cũng không giữ được trên đĩa máy này ({}): đừng đóng hộp thư trước khi kết nối lại được cơ sở dữ liệu.";
    CliDatabaseDown => "cannot reach the database ({}): nothing is synced or sent until it answers again; trying again every few seconds", "không kết nối được cơ sở dữ liệu ({}): không đồng bộ, không gửi tin cho đến khi kết nối lại; pagedesk thử lại mỗi vài giây";
    CliDatabaseBack => "the database answers again ({}): syncing and sending go on", "đã kết nối lại cơ sở dữ liệu ({}): tiếp tục đồng bộ và gửi tin";
    PgPasswordInUrl => "the database URL has a password in it: pagedesk does not take one there (it would stay in shell histories and process lists); give it in PGPASSWORD or a .pgpass file", "địa chỉ cơ sở dữ liệu có mật khẩu trong đó: pagedesk không nhận mật khẩu ở đây (nó sẽ nằm lại trong lịch sử lệnh và danh sách tiến trình); hãy đặt mật khẩu trong biến PGPASSWORD hoặc tệp .pgpass";
    PgUnreachable => "cannot reach PostgreSQL at {}: {}; nothing was done: do it again once it answers", "không kết nối được PostgreSQL tại {}: {}; chưa làm gì cả: hãy làm lại khi kết nối được";
    PgRefused => "PostgreSQL at {} refused: {}", "PostgreSQL tại {} từ chối: {}";
    PgTooNew => "PostgreSQL at {} holds a database of a newer pagedesk (schema {}, this one knows {}): update pagedesk", "PostgreSQL tại {} đang chứa dữ liệu của một bản pagedesk mới hơn (lược đồ {}, bản này chỉ biết đến {}): hãy cập nhật pagedesk";
    PgNotPagedesks => "PostgreSQL at {}: the database has tables of its own and none of pagedesk's: give pagedesk an empty database", "PostgreSQL tại {}: cơ sở dữ liệu này đã có bảng của chương trình khác, không phải của pagedesk: hãy dành cho pagedesk một cơ sở dữ liệu trống";
    PgLostMidWay => "cannot reach the database (PostgreSQL at {}): {}; what was being written may have been kept or not: look before doing it again", "không kết nối được cơ sở dữ liệu (PostgreSQL tại {}): {}; việc đang ghi có thể đã lưu hoặc chưa: hãy xem lại trước khi làm lại";
    PgKeptBusy => "another pagedesk (perhaps on a machine that froze) kept the database (PostgreSQL at {}) busy for too long; try again", "một pagedesk khác (có thể trên một máy bị treo) giữ cơ sở dữ liệu (PostgreSQL tại {}) quá lâu; hãy thử lại";
    PgStatementRefused => "the database (PostgreSQL at {}) refused: {} (SQLSTATE {})", "cơ sở dữ liệu (PostgreSQL tại {}) từ chối: {} (mã SQLSTATE {})";
    PgCauseRefused => "the server takes no connection (not running, or a wrong address or port)", "máy chủ không nhận kết nối (chưa chạy, hoặc sai địa chỉ, cổng)";
    PgCauseNoServer => "no server there (not running, or a wrong socket folder)", "không thấy máy chủ ở đó (chưa chạy, hoặc sai thư mục socket)";
    PgCauseTimeout => "the server does not answer (the network, a firewall?)", "máy chủ không trả lời (mạng, hoặc tường lửa?)";
    PgCauseNoAnswer => "the server stopped answering (frozen, or its machine paused?)", "máy chủ không phản hồi nữa (bị treo, hoặc máy chủ đang tạm dừng?)";
    PgCauseNoHost => "no such server name (a typo in the address, or DNS?)", "không tìm thấy tên máy chủ (gõ sai địa chỉ, hoặc lỗi DNS?)";
    PgCauseWrongPassword => "wrong password or user name", "sai mật khẩu hoặc tên đăng nhập";
    PgCauseNoPassword => "it asks for a password: give it in PGPASSWORD or a .pgpass file", "máy chủ đòi mật khẩu: hãy đặt trong biến PGPASSWORD hoặc tệp .pgpass";
    PgCauseNoDatabase => "that database or user does not exist on the server", "máy chủ không có cơ sở dữ liệu hoặc tên đăng nhập đó";
    PgCauseClosed => "the connection was cut (the server restarted, or the network)", "kết nối bị ngắt (máy chủ khởi động lại, hoặc mạng)";
    PgCauseRestarting => "the server is starting or shutting down", "máy chủ đang khởi động hoặc đang tắt";
    PgCauseDetail => "details: {}", "chi tiết kỹ thuật: {}";
    CliFileRefused => "Not attached: {}.", "Không đính kèm: {}.";
    CliSendingRestricted => "Facebook has restricted the page from sending messages for a while; the reply waits until {}", "Facebook đang tạm hạn chế trang gửi tin nhắn; tin trả lời chờ đến {}";
    CliRefused => "Not sent, and nothing stored: {}.", "Chưa gửi, và không lưu gì: {}.";
    KeyLikeComments => "under a post: like the person's comments", "dưới bài viết: thích bình luận của khách";
    KeyHideComments => "under a post: hide the person's comments (they still see them), or show them again", "dưới bài viết: ẩn bình luận của khách (khách vẫn thấy), hoặc hiện lại";
    NothingToModerate => "No comment to change here.", "Không có bình luận nào cần đổi.";
    HidingComments => "Hiding {} comment(s)…", "Đang ẩn {} bình luận…";
    ShowingComments => "Showing {} comment(s) again…", "Đang hiện lại {} bình luận…";
    LikingComments => "Liking {} comment(s)…", "Đang thích {} bình luận…";
    NothingToLike => "The page already likes these comments.", "Trang đã thích các bình luận này rồi.";
    NotComments => "Only comments under a post can be hidden.", "Chỉ ẩn được bình luận dưới bài viết.";
    CliNotAThread => "{} is a Messenger conversation, not comments: answer it with `pagedesk reply`.", "{} là hội thoại Messenger, không phải bình luận: trả lời bằng `pagedesk reply`.";
    CliLiking => "Liking {} comment(s): done at the next sync.", "Đang thích {} bình luận: xong ở lần đồng bộ tới.";
    CliNothingToModerate => "No comment to change in {}.", "Không có bình luận nào cần đổi trong {}.";
    CliHiding => "Hiding {} comment(s): done at the next sync.", "Đang ẩn {} bình luận: xong ở lần đồng bộ tới.";
    CliShowing => "Showing {} comment(s) again: done at the next sync.", "Đang hiện lại {} bình luận: xong ở lần đồng bộ tới.";
    RefusedFilesInComments => "a comment is answered with words only: send files in Messenger", "trả lời bình luận chỉ gửi được chữ: gửi ảnh, tệp qua Messenger";
    RefusedNoComment => "there is no comment of theirs left to answer", "khách không còn bình luận nào để trả lời";
    RefusedAnsweredPrivately => "this comment was answered privately already: Facebook takes only one private reply", "bình luận này đã được nhắn riêng rồi: Facebook chỉ cho nhắn riêng một lần";
    RefusedPrivateFailed => "its private answer was not sent: r sends it again, e edits it", "tin nhắn riêng chưa gửi được: bấm r để gửi lại, e để sửa";
    RefusedTooOld => "this comment is more than 7 days old: Facebook no longer takes a private reply", "bình luận này đã quá 7 ngày: Facebook không cho nhắn riêng nữa";
    CliNotSent => "Not sent: {}. The reply is kept in the conversation, marked failed.", "Không gửi được: {}. Tin vẫn nằm trong hội thoại, đánh dấu lỗi.";
    DrNoPages => "No pages in the config: add a [[pages]] entry (see config.example.toml).", "Chưa có trang nào trong file cấu hình: thêm mục [[pages]] (xem config.example.toml).";
    DrDatabase => "Database: {}", "Cơ sở dữ liệu: {}";
    DrEngine => "Sync engine: pid {} ({}), since {} (it syncs and delivers replies for this data dir)", "Bộ đồng bộ: pid {} ({}), từ {} (đồng bộ và gửi tin cho thư mục dữ liệu này)";
    DrNoEngine => "Sync engine: none running (start `pagedesk` or `pagedesk sync`)", "Bộ đồng bộ: không chạy (mở `pagedesk` hoặc `pagedesk sync`)";
    DrDisk => "Disk: {} free ({})", "Ổ đĩa: còn trống {} ({})";
    DrDiskLow => "Disk: PROBLEM: only {} free ({}), below {}: free some space, or new messages and replies can no longer be saved (the log has stopped)", "Ổ đĩa: LỖI: chỉ còn trống {} ({}), dưới mức {}: hãy xoá bớt tệp cho trống chỗ, nếu không tin nhắn mới và tin trả lời sẽ không lưu được (nhật ký đã ngừng ghi)";
    DrToken => "token", "mã truy cập";
    DrProblem => "PROBLEM: {}", "LỖI: {}";
    DrValid => "valid{}", "dùng được{}";
    DrFolder => "{} folder", "mục {}";
    DrReadable => "readable", "đọc được";
    DrComments => "comments", "bình luận";
    DrAnswerComments => "answer comments", "trả lời bình luận";
    DrEngagementGranted => "allowed (pages_manage_engagement)", "được (có quyền pages_manage_engagement)";
    DrEngagementMissing => "not allowed: the token lacks pages_manage_engagement, so answers and hiding fail (run pagedesk connect after granting it)", "không được: token thiếu quyền pages_manage_engagement, trả lời và ẩn bình luận sẽ lỗi (cấp quyền rồi chạy pagedesk connect)";
    DrEngagementUnknown => "unknown: Facebook says which permissions a token has only with [graph] app_id and app_secret in the config", "chưa rõ: cần [graph] app_id và app_secret trong cấu hình để hỏi Facebook token có quyền gì";
    DrListSize => "list size", "cỡ danh sách";
    DrListSizeValue => "{} conversations with {} messages each per call (Facebook asked for less data)", "{} hội thoại, mỗi hội thoại {} tin, mỗi lần gọi (Facebook yêu cầu ít dữ liệu hơn)";
    DrSpamSync => "spam sync", "đồng bộ Spam";
    DrSpamOff => "off: conversations Facebook filed in Spam are not synced (turn on: pagedesk spam-sync on --page {})", "tắt: hội thoại Facebook xếp vào Spam không được đồng bộ (bật: pagedesk spam-sync on --page {})";
    DrWaitingSpam => "waiting spam", "spam đang chờ";
    DrNone => "none", "không có";
    DrWaitingCount => "{} (shown {} after the buyer's last message)", "{} (hiện {} sau tin cuối của khách)";
    DrDueNow => "due now: appears at the next sync", "đến hạn: hiện ở lần đồng bộ tới";
    DrDue => "due {} ({})", "đến hạn {} ({})";
    DrRepliesWaiting => "replies waiting", "tin chờ gửi";
    DrRepliesFailed => "replies failed", "tin gửi lỗi";
    DrNotTried => "not tried yet", "chưa thử gửi";
    DrReply => "{} to {}: “{}” — {}", "{} cho {}: “{}” — {}";
    DrLastSync => "last sync", "đồng bộ gần nhất";
    DrNever => "never: run `pagedesk sync --once`", "chưa lần nào: chạy `pagedesk sync --once`";
    DrLastError => "last error", "lỗi gần nhất";
    DrWebhooks => "webhooks", "tin về ngay";
    DrInboxFolder => "inbox", "Hộp thư";
    DrGraphAuth => "{}", "Facebook không nhận mã truy cập (hết hạn hoặc bị thu hồi), chi tiết: {}";
    DrGraphPermission => "{}", "mã truy cập thiếu quyền, chi tiết: {}";
    DrGraphRateLimited => "{}", "Facebook đang giới hạn số lần gọi, chi tiết: {}";
    DrGraphTransient => "{}", "Facebook không phản hồi, chi tiết: {}";
    DrGraphProof => "{}", "ứng dụng bắt buộc ký mọi lần gọi: đặt app_secret trong [graph] của file cấu hình, chi tiết: {}";
    DrGraphRefused => "{}", "Facebook từ chối yêu cầu, chi tiết: {}";
    DrWebhooksNone => "none received: polled every {} (pagedesk serve receives them)", "chưa nhận: hỏi Facebook mỗi {} (pagedesk serve nhận webhook)";
    DrWebhooksNoReceiver => "not received now: the engine is not `pagedesk serve` (last event {} ({})); polled every {}", "hiện không nhận: bộ đồng bộ đang chạy không phải `pagedesk serve` (sự kiện cuối {} ({})); hỏi Facebook mỗi {}";
    DrWebhooksLive => "live: last event {} ({}); inbox polled every {} as a safety net", "đang nhận: sự kiện cuối {} ({}); hộp thư vẫn hỏi mỗi {} để chắc chắn";
    DrNotConfigured => "replies", "tin trả lời";
    DrNotConfiguredValue => "the page is no longer in the config; replies that cannot be sent: {} (put the page back in the config, or take them back with x in the inbox)", "trang không còn trong file cấu hình; số tin trả lời không gửi được: {} (thêm trang lại vào file cấu hình, hoặc rút tin lại bằng phím x trong hộp thư)";
    DrGaps => "not in full", "tin không đầy đủ";
    DrGapsValue => "messages Facebook no longer shows in full, in the conversations with {} (read them in Meta Business Suite)", "có tin Facebook không còn cho xem đầy đủ, trong cuộc trò chuyện với {} (xem trong Meta Business Suite)";
    DrHeldElsewhere => "other apps", "ứng dụng khác";
    DrHeldElsewhereValue => "another app (a chatbot, through conversation routing) holds the conversations with {}: it may answer them too", "ứng dụng khác (chatbot, qua định tuyến hội thoại) đang giữ hội thoại với {}: ứng dụng đó có thể trả lời khách";
    DrHeldBy => "{} (app {})", "{} (ứng dụng {})";
    DrSendingRestricted => "sending", "gửi tin";
    DrHumanAgent => "HUMAN_AGENT", "HUMAN_AGENT";
    DrHumanAgentRefused => "refused by Facebook: the app lacks Meta's Human Agent permission, so replies 24 hours to 7 days after the buyer's last message are not offered; once Meta approves it: pagedesk human-agent-approved --page {}", "Facebook từ chối: ứng dụng chưa được Meta cấp quyền Human Agent, nên không trả lời được khách sau 24 giờ (đến 7 ngày) kể từ tin cuối của khách; khi Meta đã cấp quyền: pagedesk human-agent-approved --page {}";
    DrSendingRestrictedValue => "Facebook restricted the page from sending messages (error 10/1893063); replies wait until {} ({}): see the page's quality in Meta Business Suite", "Facebook tạm hạn chế trang gửi tin nhắn (lỗi 10/1893063); tin trả lời chờ đến {} ({}): xem Chất lượng Trang trong Meta Business Suite";
    DrEventsWaiting => "webhook messages", "tin từ webhook";
    DrEventsWaitingValue => "kept, waiting for their conversation (in Spam or another folder pagedesk does not show yet): {}", "đã giữ, đang chờ cuộc trò chuyện của chúng (ở mục Spam hoặc mục khác pagedesk chưa hiện): {}";
    DrWebhooksMissed => "not arriving since {} ({}): a poll found messages they did not bring; polled every {}", "không đến từ {} ({}): lần hỏi Facebook thấy tin webhook không mang đến; hỏi mỗi {}";
    DrAt => "{} (at {})", "{} (lúc {})";
    DrRateLimited => "rate limited", "bị giới hạn";
    DrUntil => "until {} ({})", "đến {} ({})";
    DrTokenInvalid => ", but Facebook says it is no longer valid", ", nhưng Facebook báo token không còn hiệu lực";
    DrPageToken => "a page token", "token trang";
    DrUserToken => "a user token (put a page token here: pagedesk connect)", "token người dùng (hãy dùng token trang: pagedesk connect)";
    DrSomeToken => "a token", "token";
    DrNoExpiry => ": {} that does not expire", ": {} không hết hạn";
    DrExpires => ": {} that expires {} (pagedesk connect with app_id and app_secret gives one that does not)", ": {} hết hạn lúc {} (pagedesk connect với app_id và app_secret cho token không hết hạn)";
    DrKindUnknown => " (its kind is unknown: {})", " (không rõ loại token: {})";
    CliSyncingEvery => "Syncing every {}; Ctrl-C stops.", "Đồng bộ mỗi {}; nhấn Ctrl-C để dừng.";
    CliReceivingWebhooks => "Receiving Messenger webhooks at {}", "Đang nhận webhook Messenger tại {}";
    CliEngineElsewhere => "Another pagedesk (pid {}) runs the sync engine of {}: it syncs and delivers replies; not syncing from here.", "Một pagedesk khác (pid {}) đang chạy bộ đồng bộ của {}: nó đồng bộ và gửi tin trả lời; không đồng bộ từ đây nữa.";
    CliLeading => "This pagedesk now runs the sync engine of {}.", "pagedesk này đang chạy bộ đồng bộ của {}.";
    CliStandby => "pid {} runs the sync engine of {}; standing by.", "pid {} đang chạy bộ đồng bộ của {}; chờ sẵn.";
    CliNews => "{}: {} new messages", "{}: {} tin mới";
    CliNewsOne => "{}: {} new message", "{}: {} tin mới";
    CliDiskLow => "Only {} free on the disk of {} (below {}): free some space, or new messages and replies can no longer be saved. The log has stopped until there is room.", "Chỉ còn trống {} trên ổ đĩa của {} (dưới mức {}): hãy xoá bớt tệp cho trống chỗ, nếu không tin nhắn mới và tin trả lời sẽ không lưu được. Nhật ký ngừng ghi cho đến khi có chỗ trống.";
    CliDiskRoom => "The disk of {} has room again ({} free); the log goes on.", "Ổ đĩa của {} đã có chỗ trống ({} còn trống); nhật ký ghi tiếp.";
    CliDone => "{}: done", "{}: đã xong";
    CliNoConversation => "no conversation {} here (see pagedesk conversations)", "không có hội thoại {} (xem pagedesk conversations)";
    OrderHookDue => "on_confirm: waiting for the engine", "on_confirm: chờ máy đồng bộ chạy";
    OrderHookDone => "on_confirm: done", "on_confirm: đã chạy xong";
    OrderHookFailed => "on_confirm failed: {} (again: pagedesk order {} hook)", "on_confirm bị lỗi: {} (chạy lại: pagedesk order {} hook)";
    OrderHookRunning => "on_confirm started and was never heard back: it may have run; check, then pagedesk order {} hook", "on_confirm đã bắt đầu nhưng không rõ kết quả: có thể đã chạy; kiểm tra rồi chạy lại bằng pagedesk order {} hook";
    OrderHookStarted => "on_confirm: running", "on_confirm: đang chạy";
    OrderHookAgain => "Order #{}: on_confirm runs again at the engine's next round.", "Đơn #{}: on_confirm sẽ chạy lại ở lượt tới của máy đồng bộ.";
    OrderHookNotToRerun => "Order #{}: its on_confirm did not fail: nothing to run again.", "Đơn #{}: on_confirm không bị lỗi nên không cần chạy lại.";
    OrderToBuyer => "Your order #{} with the shop:", "Dạ shop xác nhận đơn #{} của mình ạ:";
    OrderToBuyerShipping => "Shipping: {}", "Phí giao hàng: {}";
    OrderToBuyerDiscount => "Discount: -{}", "Giảm giá: -{}";
    OrderToBuyerCod => "Total: {}, paid to the courier on delivery", "Tổng cộng: {}, thanh toán khi nhận hàng";
    OrderToBuyerTransfer => "Total: {}, paid by bank transfer", "Tổng cộng: {}, chuyển khoản";
    OrderToBuyerAddress => "Delivered to: {} · phone {}", "Giao đến: {} · SĐT {}";
    OrderMark => "[order {}] {}", "[đơn {}] {}";
    CliBackedUp => "Backed up to {}: {} conversations, {} messages, {} orders ({}), checked.", "Đã sao lưu vào {}: {} hội thoại, {} tin nhắn, {} đơn ({}), đã kiểm tra.";
    CliBackedUpFiles => "{} files attached to replies not sent yet are copied beside it, in {}.", "{} tệp đính kèm chưa gửi được chép kèm bên cạnh, trong {}.";
    CliBackedUpFile => "{} file attached to a reply not sent yet is copied beside it, in {}.", "{} tệp đính kèm chưa gửi được chép kèm bên cạnh, trong {}.";
    CliRestored => "Restored from {}: {} conversations, {} messages, {} orders ({}), checked.", "Đã khôi phục từ {}: {} hội thoại, {} tin nhắn, {} đơn ({}), đã kiểm tra.";
    CliRestoredFiles => "{} files attached to replies not sent yet were no longer where staff picked them: brought back into {}.", "{} tệp đính kèm chưa gửi không còn ở chỗ cũ: đã lấy lại vào {}.";
    CliRestoredFile => "{} file attached to a reply not sent yet was no longer where staff picked it: brought back into {}.", "{} tệp đính kèm chưa gửi không còn ở chỗ cũ: đã lấy lại vào {}.";
    CliRestoredAside => "The database it replaced is kept as {}.", "Cơ sở dữ liệu cũ được giữ lại ở {}.";
    CliMigratedTable => "{}: {} rows, {} in PostgreSQL", "{}: {} dòng, {} dòng trong PostgreSQL";
    CliMigratedMore => "{}: {} rows, {} in PostgreSQL (written there since)", "{}: {} dòng, {} dòng trong PostgreSQL (có dòng mới ghi ở đó)";
    CliMigrated => "Copied the database of {} into PostgreSQL at {}: the rows of every table counted on both sides.", "Đã chép cơ sở dữ liệu của {} sang PostgreSQL ở {}: đã đếm đối chiếu số dòng từng bảng ở hai bên.";
    CliMigrateInUse => "A pagedesk (an inbox, sync or serve) is using {}: stop it first, then copy. Nothing was copied.", "Đang có pagedesk (hộp thư, sync hoặc serve) dùng {}: hãy tắt nó trước rồi chép. Chưa chép gì.";
    CliNoTeam => "No team in the config: each [[staff]] entry names one member (see config.example.toml).", "Chưa có nhóm trong file cấu hình: mỗi mục [[staff]] là một người (xem config.example.toml).";
    CliUsedBy => "  pid {}: {}", "  pid {}: {}";
    CliRestoreInUse => "A pagedesk (an inbox, sync or serve) is using {}: stop it first, then restore. Nothing was changed.", "Đang có pagedesk (hộp thư, sync hoặc serve) dùng {}: hãy tắt nó trước rồi khôi phục. Chưa có gì bị thay đổi.";
    SchemaCopyKept => "pagedesk is newer than this database: it was copied to {} before its schema changed.", "pagedesk mới hơn cơ sở dữ liệu này: đã sao chép nó vào {} trước khi nâng cấp.";
    CliNoOrders => "No orders in that period.", "Không có đơn nào trong khoảng này.";
    OrderSummary => "#{} {} · {} · {} · {} · total {} (collect {}) · {}", "#{} {} · {} · {} · {} · tổng {} (thu hộ {}) · {}";
    OrderHistory => "This phone number's earlier orders: {}.", "Số điện thoại này đã có đơn: {}.";
    OrderHistoryReturned => "⚠ This phone number's earlier orders: {}. A buyer who returned a parcel before: confirm before shipping.", "⚠ Số điện thoại này đã có đơn: {}. Khách từng hoàn đơn: gọi xác nhận trước khi gửi hàng.";
    OrderNew => "new", "mới";
    OrderConfirmed => "confirmed", "đã xác nhận";
    OrderShipped => "shipped", "đang giao";
    OrderDelivered => "delivered", "đã giao";
    OrderReturned => "returned", "bị hoàn";
    OrderCancelled => "cancelled", "đã huỷ";
    OrderNoLines => "an order needs at least one line", "đơn cần ít nhất một món";
    OrderBadPhone => "{} is not a Vietnamese phone number", "{} không phải số điện thoại Việt Nam";
    OrderNoPhone => "an order needs the buyer's phone number", "đơn cần số điện thoại của khách";
    OrderNotAdded => "“{}” was typed but not added: Enter adds it, Ctrl-W clears it", "“{}” đã gõ nhưng chưa thêm vào đơn: Enter để thêm, Ctrl-W để xoá";
    OrderNoAddress => "an order needs the delivery address", "đơn cần địa chỉ giao hàng";
    OrderNoProduct => "no product {} in the catalogue", "không có mã {} trong danh mục sản phẩm";
    OrderBadAmount => "{} is not an amount or a quantity", "{} không phải số tiền hay số lượng";
    OrderDraftChanged => "{} is writing this order too and changed it meanwhile: close the form (Esc) and open it again to see theirs", "{} cũng đang soạn đơn này và vừa sửa: đóng phiếu (Esc) rồi mở lại để xem bản của họ";
    OrderDraftSaved => "{} saved this order meanwhile (#{}): close the form (Esc) to see it", "{} vừa lưu đơn này (#{}): đóng phiếu (Esc) để xem";
    OrderDraftGone => "this order draft was thrown away meanwhile: close the form (Esc)", "đơn nháp này vừa bị bỏ: đóng phiếu (Esc)";
    OrderNoName => "a line of the order has no name", "có món trong đơn chưa có tên";
    OrderNoPrice => "{} has no price yet", "{} chưa có giá";
    OrderTooLarge => "the total is larger than any order can be: check the quantities and prices", "tổng tiền quá lớn: kiểm tra lại số lượng và giá";
    OrderBelowZero => "the total is below zero: the discount is larger than the order", "tổng tiền âm: giảm giá lớn hơn giá trị đơn";
    OrderMissing => "no order #{}", "không có đơn #{}";
    OrderCannotMove => "a {} order cannot become {}", "đơn {} không chuyển sang {} được";
    OrderChangedMeanwhile => "{} changed this order meanwhile: look at it again before changing it", "{} vừa sửa đơn này: xem lại đơn trước khi sửa";
    OrderNoTracking => "shipping needs the carrier and the tracking code (--carrier, --tracking)", "gửi hàng cần hãng vận chuyển và mã vận đơn (--carrier, --tracking)";
    CliNoThread => "no thread of comments {} here (see pagedesk comments)", "không có chuỗi bình luận {} (xem pagedesk comments)";
    CliStopped => "The sync engine stopped after an internal error ({}); it gave up the engine of {}. Details are in {}.", "Bộ đồng bộ dừng do lỗi nội bộ ({}); đã nhường bộ đồng bộ của {}. Chi tiết trong {}.";
    ConnectExchanged => "Exchanged the user token for a long-lived one: the page tokens it lists do not expire.", "Đã đổi token người dùng lấy token dài hạn: token trang lấy từ nó không hết hạn.";
    ConnectNoApp => "No app_id and app_secret under [graph]: the user token is used as it is, and page tokens from a short-lived user token expire with it (within hours). Add them and run connect again for tokens that do not expire.", "Chưa có app_id và app_secret trong [graph]: token người dùng được dùng nguyên trạng, và token trang lấy từ token ngắn hạn sẽ hết hạn theo (trong vài giờ). Thêm chúng rồi chạy lại connect để có token không hết hạn.";
    ConnectSkipped => "Skipped {}: your user has no MESSAGING task on this page, so pagedesk could neither read nor answer its messages.", "Bỏ qua {}: tài khoản của bạn không có quyền MESSAGING trên trang này, nên pagedesk không đọc hay trả lời tin được.";
    ConnectNotAmong => "Page {} is not among the pages this user can message.", "Trang {} không nằm trong các trang tài khoản này nhắn tin được.";
    ConnectNone => "No page connected; the config is unchanged.", "Không kết nối trang nào; file cấu hình giữ nguyên.";
    ConnectConnected => "Connected {}: its page token is in {}.", "Đã kết nối {}: token trang nằm trong {}.";
    ConnectSpamOff => "  Spam sync is off for {}: buyers Facebook files in Spam stay unseen. Turn it on: pagedesk spam-sync on --page {}", "  Đồng bộ Spam đang tắt cho {}: khách bị Facebook xếp vào Spam sẽ không hiện ra. Bật: pagedesk spam-sync on --page {}";
    ConnectPageToken => "This is a Page access token: connect needs a user access token (Graph API Explorer: User Token, not a page, with pages_messaging, pages_read_engagement and pages_manage_metadata). A Page token can also go straight into the config, as access_token under [[pages]].", "Đây là token trang: connect cần token người dùng (Graph API Explorer: chọn User Token, không chọn trang, với pages_messaging, pages_read_engagement và pages_manage_metadata). Token trang cũng có thể đặt thẳng vào file cấu hình, ở access_token trong [[pages]].";
    ConnectRefused => "Facebook refused the user access token (error 190): get a new one in the Graph API Explorer and paste it again", "Facebook từ chối token người dùng (lỗi 190): lấy token mới trong Graph API Explorer rồi dán lại";
    ConnectPaste => "Paste a user access token (Graph API Explorer: your app, with pages_messaging, pages_read_engagement and pages_manage_metadata), then Enter: ", "Dán token người dùng (Graph API Explorer: ứng dụng của bạn, với pages_messaging, pages_read_engagement và pages_manage_metadata), rồi Enter: ";
    ConnectNoToken => "no user access token on standard input: pipe it in, e.g. `pagedesk connect < token.txt`", "không có token người dùng ở đầu vào chuẩn: truyền vào, ví dụ `pagedesk connect < token.txt`";
    ReplyMaybeKept => "Cannot tell whether the reply was stored ({}): it is back in the reply box. Once the database is back, look in the conversation before sending it again: a stored reply goes once by itself.", "Không biết tin trả lời đã lưu hay chưa ({}): tin đã trở lại ô trả lời. Khi kết nối lại, hãy xem trong hội thoại trước khi gửi lại: tin đã lưu sẽ tự gửi đúng một lần.";
    ReplyKept => "The reply was not stored ({}); it is back in the reply box, not sent.", "Chưa lưu được tin trả lời ({}); tin đã trở lại ô trả lời, chưa gửi.";
    SearchPrompt => "Search: ", "Tìm: ";
    SearchHits => "Match {} of {} for “{}” (n/N)", "Kết quả {}/{} cho “{}” (n/N)";
    SearchHitsDone => "Match {} of {} for “{}” (n/N), in a conversation marked done: shown under Done", "Kết quả {}/{} cho “{}” (n/N), trong hội thoại đã xong: hiện ở mục Đã xong";
    SearchNone => "No match for “{}”.", "Không tìm thấy “{}”.";
    Settings => "Settings", "Cài đặt";
    Page => "Page", "Trang";
    SpamSync => "Spam sync", "Đồng bộ Spam";
    SpamDelay => "Spam delay", "Chờ spam";
    PhoneHiding => "Hide phones", "Ẩn SĐT";
    HumanAgent => "HUMAN_AGENT", "HUMAN_AGENT";
    On => "on", "bật";
    Off => "off", "tắt";
    SettingsNote => "Spam sync is saved at once and used by the next sync. A spam conversation appears once its buyer's last message is as old as the delay. HUMAN_AGENT: replies 24 hours to 7 days after the buyer's last message go with that tag. Hide phones: a buyer's new comment with a phone number is hidden as soon as it is read (they and their friends still see it), and answered as [comments] says. The delay and HUMAN_AGENT come from the config file.", "Đồng bộ Spam được lưu ngay và dùng cho lần đồng bộ tới. Hội thoại spam hiện ra khi tin cuối của khách đã cũ bằng thời gian chờ. HUMAN_AGENT: trả lời từ 24 giờ đến 7 ngày sau tin cuối của khách được gửi kèm tag này. Ẩn SĐT: bình luận mới của khách có số điện thoại được ẩn ngay khi đọc được (khách và bạn bè của khách vẫn thấy), và được trả lời theo mục [comments]. Thời gian chờ và HUMAN_AGENT lấy từ file cấu hình.";
    KeySpamMarker => "the page syncs its Spam folder", "trang đang đồng bộ mục Spam";
    SpamSyncOn => "Spam sync on for {}.", "Đã bật đồng bộ Spam cho {}.";
    SpamSyncOff => "Spam sync off for {}.", "Đã tắt đồng bộ Spam cho {}.";
    PhoneHidingOn => "{}: new comments with a phone number will be hidden.", "{}: bình luận mới có số điện thoại sẽ được ẩn.";
    PhoneHidingOff => "{}: comments with a phone number are no longer hidden.", "{}: không tự ẩn bình luận có số điện thoại nữa.";
    TagAgain => "{}: late replies go with the HUMAN_AGENT tag again; if Facebook still refuses it, the next one says so.", "{}: tin trả lời muộn lại được gửi kèm tag HUMAN_AGENT; nếu Facebook vẫn từ chối, lần gửi sau sẽ báo.";
    TagNotRefused => "{}: Facebook has not refused the HUMAN_AGENT tag; nothing to change.", "{}: Facebook chưa từ chối tag HUMAN_AGENT; không cần đổi gì.";
    TagRefused => "refused by Facebook (t: try again)", "Facebook từ chối (t: thử lại)";
    Help => "Keys", "Phím tắt";
    QuickReplies => "Quick replies", "Trả lời nhanh";
    NoQuickReply => "No quick reply starts with “{}”.", "Không có trả lời nhanh nào bắt đầu bằng “{}”.";
    HintPageFilter => "page & filter", "trang & bộ lọc";
    HintNextPane => "next pane", "khung sau";
    HintHelp => "help", "trợ giúp";
    HintQuit => "quit", "thoát";
    HintOpen => "open", "mở";
    HintFilter => "filter", "lọc";
    HintSearch => "search", "tìm";
    HintSettings => "settings", "cài đặt";
    HintScroll => "scroll", "cuộn";
    HintRetry => "retry", "gửi lại";
    HintReply => "reply", "trả lời";
    HintSend => "send", "gửi";
    HintSendPublic => "answer in public", "trả lời công khai";
    HintSendPrivately => "privately in Messenger", "nhắn riêng";
    HintNewLine => "new line", "xuống dòng";
    HintQuickReply => "/shortcut quick reply", "/mã trả lời nhanh";
    HintLeave => "leave", "rời ô trả lời";
    HintCancel => "cancel", "hủy";
    HintClose => "close", "đóng";
    HintLabels => "labels", "nhãn";
    HintToggleLabel => "on/off", "gắn/gỡ";
    HintRename => "rename", "đổi tên";
    HintColour => "colour", "màu";
    HintDelete => "delete", "xoá";
    HintAnyAll => "any/all", "một/tất cả";
    HintAssign => "assign", "phân công";
    HintNote => "note", "ghi chú";
    HintSave => "save", "lưu";
    HintMove => "move", "di chuyển";
    HintToggleSpamSync => "toggle spam sync", "bật/tắt đồng bộ Spam";
    HintTogglePhoneHiding => "hide phone numbers", "ẩn số điện thoại";
    HintTagAgain => "HUMAN_AGENT again", "dùng lại HUMAN_AGENT";
    HintInsert => "insert", "chèn";
    HintChoose => "choose", "chọn";
    HintNewOrder => "new order", "tạo đơn";
    HintConfirmOrder => "confirm", "xác nhận";
    HintShipOrder => "ship", "gửi hàng";
    HintDeliverOrder => "delivered", "đã giao";
    HintReturnOrder => "returned", "hoàn";
    HintCancelOrder => "cancel order", "huỷ đơn";
    HintSendOrder => "to the buyer", "gửi khách";
    HintField => "field", "chuyển ô";
    HintSaveOrder => "save the order", "lưu đơn";
    HintRemoveLine => "remove item", "bỏ món";
    HintCloseDraftKept => "close (draft kept)", "đóng (giữ nháp)";
    ProblemTooLong => "the reply is {} characters long; Facebook accepts at most 2000", "tin dài {} ký tự; Facebook chỉ nhận tối đa 2000";
    ProblemEmpty => "the reply is empty", "tin trả lời trống";
    ProblemNeverWrote => "the customer has not written yet, so Facebook allows no reply", "khách chưa nhắn nên Facebook không cho trả lời";
    ProblemAgentTagOff => "more than 24 hours since the customer's last message, and human_agent_tag is off in the config", "đã quá 24 giờ từ tin cuối của khách và human_agent_tag đang tắt trong cấu hình";
    ProblemSevenDays => "more than 7 days since the customer's last message: Facebook allows no reply", "đã quá 7 ngày từ tin cuối của khách: Facebook không cho trả lời";
    ProblemNotConfigured => "the page is not in the config", "trang không có trong file cấu hình";
    ProblemWindow => "outside the messaging window: Facebook allows no more replies to this customer", "ngoài khung thời gian nhắn tin: Facebook không cho trả lời khách này nữa";
    ProblemUnavailable => "this person isn't available right now", "người này hiện không nhận được tin";
    ProblemCannotMessage => "Facebook does not let the page message this person; trying again will not help", "Facebook không cho trang nhắn tin cho người này; gửi lại cũng không được";
    ProblemPolicyBlock => "Facebook has blocked the page from sending for a while, for policy violations; try again later", "Facebook tạm chặn trang gửi tin do vi phạm chính sách; hãy thử lại sau";
    ProblemNoUser => "Facebook knows no such person for this page; trying again will not help", "Facebook không tìm thấy người này cho trang; gửi lại cũng không được";
    ProblemAgentPermission => "more than 24 hours since the customer's last message, and the app lacks Meta's Human Agent permission: ask Meta for it in the app's review, and once it is approved press t in settings, then r here", "đã quá 24 giờ từ tin cuối của khách và ứng dụng chưa được Meta cấp quyền Human Agent: xin Meta cấp quyền trong phần xét duyệt ứng dụng, khi đã được cấp thì nhấn t trong Cài đặt, rồi nhấn r ở đây";
    CannotReplyBanner => "Facebook does not let the page message this person any more.", "Facebook không còn cho trang nhắn tin cho người này.";
    WindowCannot => "no reply", "không gửi được";
    ProblemToken => "the page's access token no longer works: fix the config", "token của trang không còn dùng được: sửa file cấu hình";
    ProblemPermission => "a permission is missing on the page", "trang thiếu quyền gửi tin";
    ProblemCommentPermission => "the page may not answer or hide comments (pages_manage_engagement is missing)", "trang chưa được cấp quyền trả lời, ẩn bình luận (pages_manage_engagement)";
    ProblemRefused => "Facebook refused the reply (error {})", "Facebook từ chối tin (mã lỗi {})";
    FacebookRefusedCode => "Facebook refused (error {})", "Facebook từ chối (mã lỗi {})";
    ProblemSendingRestricted => "Facebook has restricted the page from sending messages for a while; pagedesk tries again on {} (r: now, once Meta Business Suite shows it lifted)", "Facebook đang tạm hạn chế trang gửi tin nhắn; pagedesk sẽ gửi lại lúc {} (r: gửi ngay, khi Meta Business Suite báo đã hết hạn chế)";
    ProblemRateLimited => "rate limited by Facebook until {}", "Facebook giới hạn đến {}";
    ProblemRetrying => "Facebook is not answering; trying again at {}", "Facebook không phản hồi; thử lại lúc {}";
    ProblemFacebook => "Facebook had a problem; try again", "Facebook gặp sự cố; hãy thử lại";
    ProblemFile => "the file cannot be sent: {}", "không gửi được tệp: {}";
    ProblemRestored => "waiting when the restored backup was taken: it may have gone out since. Look in Messenger; r sends it if it did not", "đang chờ gửi lúc sao lưu bản vừa khôi phục: có thể đã gửi đi sau đó. Xem lại trên Messenger; chưa gửi thì bấm r để gửi";
    ModeInbox => "Pages, list and chat", "Trang, danh sách và tin nhắn";
    ModeMove => "Moving (pages, list, chat, windows)", "Di chuyển (trang, danh sách, tin nhắn, cửa sổ)";
    ModeReply => "Reply box", "Ô trả lời";
    ModeQuickReplies => "Quick replies (type /shortcut in the reply box)", "Trả lời nhanh (gõ /mã trong ô trả lời)";
    ModeSearch => "Search line", "Dòng tìm kiếm";
    ModeSettings => "Settings", "Cài đặt";
    ModeHelp => "Windows (this help, why pages do not sync)", "Cửa sổ (trợ giúp này, lý do không đồng bộ)";
    ModeAlways => "Always", "Luôn luôn";
    KeyNextPane => "next pane", "khung sau";
    KeyPreviousPane => "previous pane", "khung trước";
    KeyOpen => "open the conversation and reply (on a page: its list)", "mở hội thoại và trả lời (ở trang: danh sách)";
    KeyFilterAll => "filter: All", "lọc: Tất cả";
    KeyFilterSpam => "filter: Spam", "lọc: Spam";
    KeyFilterUnread => "filter: Unread", "lọc: Chưa đọc";
    KeyFilterUnreplied => "filter: Unreplied", "lọc: Chưa trả lời";
    KeyFilterDone => "filter: Done", "lọc: Đã xong";
    KeyToggleDone => "mark the conversation done, or not done", "đánh dấu hội thoại đã xong, hoặc bỏ";
    MarkedDone => "{}: done (D takes it back)", "{}: đã xong (D để bỏ)";
    MarkedNotDone => "{}: not done", "{}: chưa xong";
    KeyPreviousPage => "previous page", "trang trước";
    KeyNextPage => "next page", "trang sau";
    KeySearch => "search conversations and messages", "tìm hội thoại và tin nhắn";
    KeyNextMatch => "next match", "kết quả sau";
    KeyPreviousMatch => "previous match", "kết quả trước";
    KeyScrollUp => "scroll the chat up a screen", "cuộn tin nhắn lên một trang";
    KeyScrollDown => "scroll the chat down a screen", "cuộn tin nhắn xuống một trang";
    KeyRetry => "retry a failed reply", "gửi lại tin bị lỗi";
    KeyEditor => "write the reply in $EDITOR", "viết tin trong $EDITOR";
    EditorFailed => "The editor did not finish ({}); the reply is as it was.", "Trình soạn thảo không xong ({}); tin vẫn như cũ.";
    EditorGuessed => "No $VISUAL or $EDITOR set: the reply was written in {} (set EDITOR in your shell to choose another).", "Chưa đặt $VISUAL hay $EDITOR: tin được soạn bằng {} (đặt EDITOR trong shell để chọn trình khác).";
    KeyNextUnread => "the next unread conversation", "hội thoại chưa đọc kế tiếp";
    KeyNextFailed => "the next conversation with a reply not sent", "hội thoại kế tiếp có tin trả lời gửi lỗi";
    KeyLongestWaiting => "Unreplied, longest waiting first (again: newest first)", "Chưa trả lời, chờ lâu nhất trước (lần nữa: mới nhất trước)";
    NoUnread => "No unread conversation here.", "Không còn hội thoại chưa đọc ở đây.";
    NoFailedReply => "No reply waiting to be sent again here.", "Không có tin trả lời gửi lỗi nào ở đây.";
    FailedMark => "✗ not sent", "✗ gửi lỗi";
    Waiting => "waiting {}", "chờ {}";
    WaitingJustNow => "just wrote", "vừa nhắn";
    LongestWaitingFirst => "oldest first", "lâu nhất trước";
    KeyCopyMessage => "copy the buyer's last message (or the search hit)", "chép tin cuối của khách (hoặc kết quả tìm)";
    KeyCopyPhone => "copy a phone number or address the buyer wrote (one: at once; several: pick)", "chép số điện thoại hoặc địa chỉ khách đã gửi (một: chép ngay; nhiều: chọn)";
    NoPhoneOrAddress => "No phone number or address in this conversation.", "Hội thoại này không có số điện thoại hay địa chỉ nào.";
    HintAttach => "attach", "đính kèm";
    HintComplete => "complete", "điền nốt";
    KeyAttach => "attach a picture or file (the product-photo folder first)", "đính kèm ảnh hoặc tệp (thư mục ảnh sản phẩm trước)";
    KeyChoose => "attach the file chosen (a folder: open it)", "đính kèm tệp đã chọn (thư mục: mở ra)";
    KeyComplete => "complete the name (a folder: open it)", "điền nốt tên (thư mục: mở ra)";
    ModeAttach => "Attaching a file", "Đính kèm tệp";
    FilterMine => "Mine", "Của tôi";
    KeyFilterMine => "filter: Mine (assigned to you)", "lọc: Của tôi (phân công cho bạn)";
    FilterNotSent => "Not sent", "Gửi lỗi";
    KeyFilterNotSent => "filter: Not sent (a reply Facebook did not take)", "lọc: Gửi lỗi (tin trả lời Facebook không nhận)";
    FilterComments => "Comments", "Bình luận";
    KeyFilterComments => "filter: Comments (under the pages' posts)", "lọc: Bình luận (dưới bài viết của trang)";
    FilterOrders => "Orders", "Đơn hàng";
    KeyFilterOrders => "filter: Orders to confirm or ship", "lọc: Đơn hàng cần xác nhận hoặc gửi đi";
    KeyLabels => "labels of the conversation: put on, take off, create", "nhãn của hội thoại: gắn, gỡ, tạo";
    KeyFilterLabels => "show only conversations with some labels", "chỉ hiện hội thoại có nhãn nào đó";
    KeyAssign => "assign the conversation to a staff member", "phân công hội thoại cho nhân viên";
    KeyCustomer => "the customer: details, phone numbers, addresses, notes", "khách hàng: thông tin, số điện thoại, địa chỉ, ghi chú";
    KeyTeamStats => "how the team is doing (last 7 days)", "tình hình làm việc của nhóm (7 ngày qua)";
    KeyToggleLabel => "put the label on or take it off (nothing matches: create it)", "gắn hoặc gỡ nhãn (không có: tạo mới)";
    KeyRenameLabel => "rename the label chosen (Enter saves the new name)", "đổi tên nhãn đang chọn (Enter để lưu tên mới)";
    KeyRecolourLabel => "the label chosen in its next colour", "đổi màu nhãn đang chọn";
    KeyDeleteLabel => "delete the label chosen, everywhere (press twice)", "xoá nhãn đang chọn ở mọi nơi (bấm hai lần)";
    KeyMatchAllLabels => "list filter: any of the labels chosen, or all of them", "lọc: có một trong các nhãn, hoặc có tất cả";
    KeyChooseStaff => "give it to the staff member chosen", "phân công cho nhân viên đang chọn";
    KeyWriteNote => "write a note about the customer", "viết ghi chú về khách";
    KeySaveNote => "save the note", "lưu ghi chú";
    ModeLabels => "Labels", "Nhãn";
    ModeAssign => "Assigning", "Phân công";
    ModeCopy => "Copying a number or address", "Chép số điện thoại hoặc địa chỉ";
    CopyTitle => "Copy: numbers and addresses {} wrote, newest first", "Chép: số điện thoại và địa chỉ {} đã gửi, mới nhất trước";
    HintCopy => "copy", "chép";
    KeyCopyChosen => "copy the number or address chosen", "chép số hoặc địa chỉ đã chọn";
    ModeCustomer => "The customer", "Khách hàng";
    ModeNote => "Writing a note", "Viết ghi chú";
    ModeStats => "How the team is doing", "Tình hình của đội";
    LabelsTitle => "Labels of {} · type to search or name a new one", "Nhãn của {} · gõ để tìm hoặc đặt tên nhãn mới";
    LabelsFilterTitle => "Show conversations with · {} of these", "Hiện hội thoại có · {} nhãn đã chọn";
    LabelsAny => "any", "một trong các";
    LabelsAll => "all", "tất cả";
    LabelCreate => "+ new label \"{}\"", "+ nhãn mới \"{}\"";
    LabelsNone => "No labels yet: type a name, Enter creates it", "Chưa có nhãn: gõ tên, Enter để tạo";
    LabelsNoneToFilter => "No labels yet (l on a conversation creates one)", "Chưa có nhãn (bấm l trên hội thoại để tạo)";
    LabelOn => "{}: label “{}”", "{}: đã gắn nhãn “{}”";
    LabelOff => "{}: label “{}” taken off", "{}: đã gỡ nhãn “{}”";
    LabelCreated => "Label “{}” created", "Đã tạo nhãn “{}”";
    LabelRenamed => "Label renamed: {}", "Đã đổi tên nhãn: {}";
    LabelRecoloured => "Label “{}”: {}", "Nhãn “{}”: {}";
    LabelDeleteConfirm => "Delete label “{}” from {} conversations? Ctrl-d again", "Xoá nhãn “{}” khỏi {} hội thoại? Bấm Ctrl-d lần nữa";
    LabelDeleteConfirmOne => "Delete label “{}” from {} conversation? Ctrl-d again", "Xoá nhãn “{}” khỏi {} hội thoại? Bấm Ctrl-d lần nữa";
    LabelDeleted => "Label “{}” deleted from {} conversations", "Đã xoá nhãn “{}” khỏi {} hội thoại";
    LabelDeletedOne => "Label “{}” deleted from {} conversation", "Đã xoá nhãn “{}” khỏi {} hội thoại";
    LabelRenaming => "Rename “{}” · Enter saves, Esc keeps the old", "Đổi tên “{}” · Enter để lưu, Esc giữ tên cũ";
    LabelsFiltered => "Labels: {} ({})", "Nhãn: {} ({})";
    AssignTitle => "Assign {} to", "Phân công {} cho";
    AssignNobody => "nobody", "không ai";
    AssignNoTeam => "No [[staff]] in the config: add the team there to assign", "Chưa có [[staff]] trong cấu hình: thêm nhân viên vào đó để phân công";
    Assigned => "{}: assigned to {}", "{}: đã phân công cho {}";
    Unassigned => "{}: nobody has it now", "{}: chưa phân công cho ai";
    StaffAway => "away", "vắng";
    StaffAvailable => "available", "sẵn sàng";
    CustomerTitle => "Customer · {}", "Khách hàng · {}";
    CustomerPsid => "PSID (this page's id for them)", "PSID (mã của trang cho khách)";
    CustomerPage => "Page", "Trang";
    CustomerSameName => "Same name on", "Cùng tên ở";
    CustomerFirstContact => "First contact", "Nhắn lần đầu";
    CustomerPhones => "Phone numbers", "Số điện thoại";
    CustomerAddresses => "Addresses", "Địa chỉ";
    CustomerLabels => "Labels", "Nhãn";
    CustomerAssignee => "Assigned to", "Người phụ trách";
    CustomerOrders => "Orders (every page)", "Đơn hàng (mọi trang)";
    ModeOrders => "A conversation's orders", "Đơn hàng của hội thoại";
    ModeOrderForm => "The order form", "Phiếu tạo đơn";
    ModeShipping => "Shipping an order", "Gửi hàng";
    KeyOrders => "this conversation's orders: take one, confirm, ship", "đơn hàng của hội thoại: tạo đơn, xác nhận, gửi hàng";
    KeyNewOrder => "take a new order (or go on with the draft)", "tạo đơn mới (hoặc soạn tiếp đơn nháp)";
    KeyConfirmOrder => "the buyer confirmed the order", "khách đã xác nhận đơn";
    KeyShipOrder => "shipped: type the carrier and the tracking code", "đã gửi hàng: nhập hãng vận chuyển và mã vận đơn";
    KeyDeliverOrder => "delivered (press twice)", "đã giao (nhấn hai lần)";
    KeyOrderRow => "on the first row: take a new order", "ở dòng đầu: tạo đơn mới";
    KeyReturnOrder => "returned by the buyer (press twice)", "khách hoàn hàng (nhấn hai lần)";
    KeyCancelOrder => "cancel the order (press twice)", "huỷ đơn (nhấn hai lần)";
    KeySendOrder => "put the order's summary in the reply box, to send to the buyer", "đưa tóm tắt đơn vào ô trả lời để gửi cho khách";
    KeyOrderHookAgain => "run on_confirm again after it failed", "chạy lại on_confirm khi bị lỗi";
    KeyFormEnter => "add the product chosen (or what is typed); in another field, the next one; on the payment, cash on delivery or transfer", "thêm sản phẩm đang chọn (hoặc món vừa gõ); ở ô khác: sang ô tiếp theo; ở ô thanh toán: đổi thu hộ/chuyển khoản";
    KeyShip => "ship with the carrier and tracking code typed", "gửi hàng với hãng và mã vận đơn vừa nhập";
    KeyNextField => "next field", "sang ô tiếp theo";
    KeyPreviousField => "previous field", "về ô trước";
    KeySaveOrder => "save the order", "lưu đơn";
    KeyRemoveLine => "remove the line under the cursor", "bỏ món đang chọn";
    KeyDiscardOrder => "throw the draft away (press twice)", "bỏ đơn nháp (nhấn hai lần)";
    OrdersTitle => "Orders of {}", "Đơn hàng của {}";
    OrdersNew => "+ Take a new order", "+ Tạo đơn mới";
    OrdersContinue => "+ Go on with the order being written", "+ Soạn tiếp đơn đang nháp";
    ChatOrderMark => "order {}", "đơn {}";
    OrderCollect => "collect {}", "thu hộ {}";
    OrdersNone => "No orders in this conversation yet.", "Hội thoại này chưa có đơn nào.";
    OrderShipPrompt => "Carrier and tracking code: {}", "Hãng vận chuyển và mã vận đơn: {}";
    OrderShipBoth => "Type the carrier, a space, then the tracking code (GHN GHN123456).", "Nhập hãng vận chuyển, dấu cách, rồi mã vận đơn (GHN GHN123456).";
    OrderCancelAgain => "Press X again to cancel order #{}.", "Nhấn X lần nữa để huỷ đơn #{}.";
    OrderDeliverAgain => "Press D again to mark order #{} delivered.", "Nhấn D lần nữa để ghi đơn #{} đã giao.";
    OrderRowKeys => "On an order: c confirm, s ship, D delivered, R returned, X cancel, m summary to the buyer.", "Trên một đơn: c xác nhận, s gửi hàng, D đã giao, R hoàn, X huỷ, m gửi tóm tắt cho khách.";
    OrderCancelledNotSent => "Order #{} is cancelled: no summary to send.", "Đơn #{} đã huỷ: không gửi tóm tắt.";
    OrderToBuyerShipped => "Shipped with {}, tracking code {}", "Đã gửi qua {}, mã vận đơn {}";
    RepliedInFacebook => "Facebook Page inbox", "Hộp thư Facebook của trang";
    HintBack => "back", "quay lại";
    OrderReturnAgain => "Press R again to mark order #{} returned.", "Nhấn R lần nữa để ghi đơn #{} bị hoàn.";
    OrderInReplyBox => "The order's summary is in the reply box: read it, then Enter sends it.", "Tóm tắt đơn đã vào ô trả lời: xem lại rồi nhấn Enter để gửi.";
    OrderSaved => "Order #{} saved for {}: {}.", "Đã lưu đơn #{} cho {}: {}.";
    OrderReturnedBefore => "⚠ This phone number returned {} parcel(s) before: call to confirm before shipping.", "⚠ Số điện thoại này từng hoàn {} đơn: gọi xác nhận trước khi gửi hàng.";
    OrderNotSaved => "The order is not saved: {}.", "Chưa lưu được đơn: {}.";
    OrderMoved => "Order #{}: {}.", "Đơn #{}: {}.";
    OrderNotChanged => "Order #{} not changed: {}.", "Đơn #{} chưa được đổi: {}.";
    OrderDiscardAgain => "Press Ctrl-X again to throw this draft away.", "Nhấn Ctrl-X lần nữa để bỏ đơn nháp này.";
    OrderDraftThrownAway => "The order draft was thrown away.", "Đã bỏ đơn nháp.";
    CatalogueUnusable => "The catalogue cannot be used: {}", "Không dùng được danh mục sản phẩm: {}";
    FormTitle => "New order · {} · {} · taken by {}", "Tạo đơn · {} · {} · người chốt: {}";
    FormName => "Receiver", "Người nhận";
    FormPhone => "Phone", "Số điện thoại";
    FormAddress => "Address", "Địa chỉ";
    FormLines => "Items", "Sản phẩm";
    FormQuantity => "Qty", "SL";
    FormPrice => "Price", "Đơn giá";
    FormAmount => "Amount", "Thành tiền";
    FormAdd => "Add", "Thêm";
    FormAddHint => "type a product's code or name", "gõ mã hoặc tên sản phẩm";
    FormTyped => "+ “{}” as a line of its own", "+ “{}” làm một món tự nhập";
    FormStock => "{} in stock", "còn {}";
    FormNoStock => "out of stock", "hết hàng";
    FormShipping => "Shipping fee", "Phí giao hàng";
    FormDiscount => "Discount", "Giảm giá";
    FormPayment => "Payment", "Thanh toán";
    FormCod => "Cash on delivery", "Thu hộ (COD)";
    FormTransfer => "Bank transfer", "Chuyển khoản";
    FormNote => "Note", "Ghi chú";
    FormTotal => "Total {} · collect on delivery {}", "Tổng {} · thu hộ {}";
    FormSaving => "Saving…", "Đang lưu…";
    FormNoCatalogue => "No catalogue: each item is typed with its price ([orders] catalogue)", "Chưa có danh mục: gõ tên từng món và giá ([orders] catalogue)";
    CustomerElsewhere => "Also wrote to the page", "Cũng đã nhắn cho trang";
    CustomerMessenger => "Messenger", "Messenger";
    CustomerUnderPost => "Comments under “{}”", "Bình luận dưới “{}”";
    CustomerNotes => "Notes (internal, never sent)", "Ghi chú (nội bộ, không gửi đi)";
    CustomerNone => "none found", "chưa có";
    CustomerNoNotes => "none yet: n writes one", "chưa có: bấm n để viết";
    NoteBy => "{} · {}: {}", "{} · {}: {}";
    NotePrompt => "Note: {}", "Ghi chú: {}";
    NoteSaved => "Note saved about {}", "Đã lưu ghi chú về {}";
    NoteTooLong => "The note is longer than {} characters, the most a note takes: nothing was saved.", "Ghi chú dài hơn {} ký tự, mức tối đa của một ghi chú: chưa lưu gì.";
    StatsTitle => "How the team is doing · since {}", "Tình hình của đội · từ {}";
    StatsPages => "Pages", "Trang";
    StatsStaff => "Staff", "Nhân viên";
    StatsOrders => "Orders taken (pages, then who took them): revenue leaves out cancelled and returned ones", "Đơn đã chốt (theo trang, rồi theo người chốt): doanh thu không tính đơn huỷ và đơn hoàn";
    StatsOrdersLine => "{}: {} orders, {} · {} of {} conversations ended in an order ({})", "{}: {} đơn, {} · {}/{} hội thoại chốt được đơn ({})";
    StatsOrdersOnly => "{}: {} orders, {}", "{}: {} đơn, {}";
    StatsOrdersPerDay => "Orders per day", "Số đơn mỗi ngày";
    StatsComments => "Comments under posts, answered (pages, then staff)", "Bình luận dưới bài viết đã trả lời (theo trang, rồi theo nhân viên)";
    StatsCommentsLine => "{}: {} answered, usually within {}", "{}: đã trả lời {}, thường mất {}";
    StatsAds => "Conversations from ads (by the ad the buyer clicked)", "Hội thoại từ quảng cáo (theo quảng cáo khách đã bấm)";
    StatsHeader => "first answer: median / 90% · replies · waiting now (longest) · spam rescued", "trả lời lần đầu: thường mất / 90% số lần dưới · tin trả lời · đang chờ (lâu nhất) · cứu khỏi spam";
    StatsLine => "{}: {} / {} · {} · {} ({}) · {}", "{}: {} / {} · {} · {} ({}) · {}";
    StatsPerDay => "Replies per day", "Tin trả lời mỗi ngày";
    StatsNothing => "nothing in this period", "không có gì trong thời gian này";
    StatsReading => "reading the messages of the last 7 days…", "đang đọc tin nhắn 7 ngày qua…";
    StatsPeriodTooLong => "--since {}: the numbers cover at most {} days", "--since {}: số liệu chỉ tính được tối đa {} ngày";
    NotApplicable => "–", "–";
    CliLabelOn => "{}: label “{}”", "{}: đã gắn nhãn “{}”";
    CliNoLabel => "no label “{}” (pagedesk label ID add NAME creates it)", "không có nhãn “{}” (pagedesk label ID add TÊN sẽ tạo)";
    CliNoStaff => "{} is not in the config's [[staff]] ({})", "{} không có trong [[staff]] của cấu hình ({})";
    CliStaffNow => "{}: {}", "{}: {}";
    CliNoteSaved => "Note saved about {}", "Đã lưu ghi chú về {}";
    AttachTitle => "Attach · {} · type to search, / for a path", "Đính kèm · {} · gõ để tìm, / để nhập đường dẫn";
    AttachNothing => "nothing here matches", "không có gì khớp";
    Attached => "📎 {}", "📎 {}";
    AttachedFiles => "📎 {}: {}", "📎 {}: {}";
    FileRefused => "Not attached: {}", "Không đính kèm: {}";
    FileMissing => "{}: no such file", "{}: không có tệp này";
    FileNotRegular => "{} is not a file (a folder, a pipe or a device)", "{} không phải là tệp (mà là thư mục, đường ống hoặc thiết bị)";
    FileUnreadable => "{} cannot be read: {}", "Không đọc được {}: {}";
    FileNoPermission => "{} cannot be read: no permission", "Không đọc được {}: không có quyền đọc";
    FileOutsideFolder => "{} is a link to a file outside its folder (the config, perhaps): attach the file itself", "{} là lối tắt trỏ ra ngoài thư mục của nó (có thể tới file cấu hình): hãy đính kèm chính tệp đó";
    FileTooLarge => "{} is {}; Facebook takes files up to {} MB", "{} nặng {}; Facebook chỉ nhận tệp tối đa {} MB";
    FileUnsupported => "{}: pagedesk sends pictures (jpg, png, gif, webp), videos (mp4, mov), audio (mp3, m4a, aac, wav, ogg) and documents (pdf, txt, csv, doc, xls, ppt and their x forms)", "{}: pagedesk chỉ gửi ảnh (jpg, png, gif, webp), video (mp4, mov), âm thanh (mp3, m4a, aac, wav, ogg) và tài liệu (pdf, txt, csv, doc, xls, ppt và bản có chữ x)";
    FileNotWhatItsNameSays => "{}: its name ends in .{} but what it holds is not such a file", "{}: tên có đuôi .{} nhưng nội dung không phải loại tệp đó";
    FileTimedOut => "{} was not read within {} s (a network disk not answering?)", "Không đọc xong {} trong {} giây (ổ đĩa mạng không phản hồi?)";
    FileChanged => "{} changed after it was attached; attach it again to send it as it is now", "{} đã thay đổi sau khi đính kèm; hãy đính kèm lại để gửi bản hiện tại";
    FolderUnreadable => "Cannot read {}: {}", "Không đọc được {}: {}";
    KeyViewPicture => "the newest picture (or the search hit's), whole pane", "ảnh mới nhất (hoặc của kết quả tìm), cả khung";
    KeyFileLink => "link of a file, newest first (again: the one before), copied", "đường dẫn tệp, mới nhất trước (bấm lại: tệp trước), đã chép";
    NoPicture => "No picture in this conversation", "Hội thoại này không có ảnh";
    FileLink => "{} ({}/{}, copied): {}", "{} ({}/{}, đã chép): {}";
    FileUnnamed => "File", "Tệp";
    NoFileLink => "No file with a link in this conversation", "Hội thoại này không có tệp có đường dẫn";
    PictureLoading => "loading the picture…", "đang tải ảnh…";
    PictureFailed => "picture not shown: {}", "không hiện được ảnh: {}";
    PictureTitle => "Picture", "Ảnh";
    KeyOpenInFacebook => "Meta Business Suite link (under a post: the post's link): shown, clickable, copied", "đường dẫn Meta Business Suite (dưới bài viết: đường dẫn bài viết): hiện, bấm được, đã chép";
    KeyToggleMouse => "mouse off (the terminal selects text) / on", "tắt chuột (để bôi đen chữ trong cửa sổ dòng lệnh) / bật";
    Copied => "Copied: {}", "Đã chép: {}";
    NothingToCopy => "Nothing to copy here.", "Không có gì để chép.";
    MouseOff => "Mouse off: select text with the terminal. Press {} to turn it back on.", "Đã tắt chuột: chọn chữ bằng terminal. Nhấn {} để bật lại.";
    MouseOn => "Mouse on.", "Đã bật chuột.";
    OpenLink => "Meta Business Suite (copied): {}", "Meta Business Suite (đã chép): {}";
    OpenPost => "The post on Facebook (copied): {}", "Bài viết trên Facebook (đã chép): {}";
    KeyWhy => "why the pages shown do not sync, in full", "lý do các trang đang xem không đồng bộ, đầy đủ";
    WhyTitle => "Why pages do not sync", "Lý do trang không đồng bộ";
    WhyInFull => "… {} shows why in full", "… {} xem lý do đầy đủ";
    WhyNoDatabase => "This inbox cannot reach the database ({}): what it shows was read before, and whether the pages sync cannot be told from here. Buyers' messages wait on Facebook and come in once the database is back; replies typed here are kept.", "Hộp thư này không kết nối được cơ sở dữ liệu ({}): những gì đang hiện là đã đọc từ trước, và từ đây không biết các trang có đang đồng bộ không. Tin của khách vẫn nằm trên Facebook và sẽ về khi kết nối lại; tin trả lời gõ ở đây được giữ lại.";
    DraftsKeptAtQuit => "What you typed in {} conversation(s) is not in the database yet: it is kept on this machine, and your next inbox puts it back once the database answers.", "Nội dung đang gõ ở {} hội thoại chưa vào được cơ sở dữ liệu: đã giữ trên máy này, lần mở hộp thư tới sẽ tự đưa lại khi kết nối được.";
    DraftsPutBack => "What you typed during the database outage is back in {} conversation(s)' reply box.", "Nội dung đang gõ lúc mất kết nối đã được đưa lại vào ô trả lời của {} hội thoại.";
    AllPagesSync => "Every page shown syncs.", "Mọi trang đang xem đều đồng bộ được.";
    KeyTakeBack => "take back the last unsent reply (cancel, or delete if failed)", "rút lại tin chưa gửi cuối cùng (hủy, hoặc xoá tin lỗi)";
    KeyEditReply => "edit the last reply not sent: back into the reply box", "sửa tin chưa gửi cuối cùng: đưa lại vào ô trả lời";
    ReplyTakenBack => "Reply taken back; nothing was sent.", "Đã rút lại tin; chưa gửi gì.";
    ReplyBackInBox => "Reply taken back into the box; nothing was sent.", "Đã đưa tin trở lại ô trả lời; chưa gửi gì.";
    ReplyTooLate => "Too late: that reply is being sent right now.", "Muộn rồi: tin đang được gửi ngay lúc này.";
    CliWithdrawn => "Taken back in an inbox, and not on Facebook: not sent.", "Đã rút lại trong hộp thư, Facebook không có tin này: chưa gửi.";
    ReplyChecking => "Taken back: it will not be tried again. Facebook may have got the last try before it stopped answering; pagedesk looks, and if it is there it shows as sent.", "Đã rút lại: tin sẽ không được gửi lại. Facebook có thể đã nhận lần gửi trước khi ngừng phản hồi; pagedesk sẽ kiểm tra, nếu tin đã tới thì sẽ hiện là đã gửi.";
    ReplyCheckingInBox => "Back in the box. The last try may have reached the buyer: pagedesk looks, and if it did, it shows as sent.", "Tin đã về ô trả lời. Lần gửi trước có thể đã tới khách: pagedesk sẽ kiểm tra, nếu đã tới thì sẽ hiện là đã gửi.";
    Withdrawn => "taken back", "đã rút lại";
    WithdrawnWhy => "looking whether Facebook got the last try: if it did, it shows as sent", "đang kiểm tra Facebook đã nhận lần gửi trước chưa: nếu đã nhận, tin sẽ hiện là đã gửi";
    NothingToTakeBack => "No reply waiting or failed in this conversation.", "Hội thoại này không có tin đang chờ hay bị lỗi.";
    KeySettings => "settings (spam sync per page)", "cài đặt (đồng bộ Spam theo trang)";
    KeyHelp => "every key", "mọi phím tắt";
    KeyQuit => "quit", "thoát";
    KeyDown => "down", "xuống";
    KeyUp => "up", "lên";
    KeyFirst => "to the top", "lên đầu";
    KeyLast => "to the bottom", "xuống cuối";
    KeyScreenDown => "a screen down", "xuống một trang";
    KeyScreenUp => "a screen up", "lên một trang";
    KeySend => "send", "gửi";
    KeySendPrivately => "under a post: answer privately in Messenger (once per comment, within 7 days)", "dưới bài viết: nhắn riêng qua Messenger (mỗi bình luận một lần, trong 7 ngày)";
    KeyNewline => "new line", "xuống dòng";
    KeyLeave => "leave the reply box (the draft is kept)", "rời ô trả lời (giữ bản nháp)";
    KeyInsert => "insert the quick reply", "chèn trả lời nhanh";
    KeySubmit => "search for what is typed", "tìm nội dung đã gõ";
    KeyToggleSpamSync => "turn the page's Spam sync on or off", "bật/tắt đồng bộ Spam của trang";
    KeyTogglePhoneHiding => "hide buyers' new comments with a phone number on the page, or stop", "bật/tắt tự ẩn bình luận mới có số điện thoại của khách trên trang";
    EditWord => "a word back or on", "lùi hoặc tiến một từ";
    EditLineEnds => "the start or end of the line", "đầu hoặc cuối dòng";
    EditDeleteWord => "delete the word before the cursor", "xoá từ trước con trỏ";
    EditDeleteLine => "delete to the end or the start of the line", "xoá đến cuối hoặc đầu dòng";
    EditUndo => "undo, redo", "hoàn tác, làm lại";
    EditPaste => "put back what was deleted", "dán lại phần vừa xoá";
    KeyTagAgain => "Meta approved the Human Agent permission: late replies go with the tag again", "Meta đã cấp quyền Human Agent: tin trả lời muộn lại được gửi kèm tag";
    KeyClose => "close", "đóng";
    KeyMouse => "click to select, wheel to scroll", "nhấp để chọn, lăn chuột để cuộn";
}

/// The strings of one language, with the formatting that differs between languages.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(self, key: S) -> &'static str {
        key.text(self.0)
    }

    /// The template for `count` things: `one` for 1, else `many` ("1 reply", "2 replies").
    pub fn counted(self, count: usize, one: S, many: S) -> S {
        match count {
            1 => one,
            _ => many,
        }
    }

    /// A process by its pid, with its machine when that is not this one (a team on
    /// PostgreSQL runs pagedesks on several).
    pub fn pid_on(self, pid: u32, machine: Option<&str>) -> String {
        match machine {
            Some(machine) => self.f(S::PidOnMachine, &[&pid, &machine]),
            None => pid.to_string(),
        }
    }

    /// A template with its `{}` filled in order, each value as it displays (a number needs no
    /// `to_string` first).
    pub fn f(self, key: S, values: &[&dyn std::fmt::Display]) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let mut values = values.iter();
        let mut parts = self.t(key).split("{}").peekable();
        while let Some(part) = parts.next() {
            out.push_str(part);
            if parts.peek().is_some()
                && let Some(value) = values.next()
            {
                let _ = write!(out, "{value}");
            }
        }
        out
    }

    /// A short span of time: "now", "5m", "3h", "2d".
    pub fn span(self, seconds: i64) -> String {
        let seconds = seconds.max(0);
        match seconds {
            0..=59 => self.t(S::Now).to_owned(),
            60..=3599 => self.f(S::Minutes, &[&(seconds / 60)]),
            3600..=86_399 => self.f(S::Hours, &[&(seconds / 3600)]),
            _ => self.f(S::Days, &[&(seconds / 86_400)]),
        }
    }

    /// A span to the second under a minute: "12 s", then as [`Tr::span`].
    pub fn span_precise(self, seconds: i64) -> String {
        if (0..60).contains(&seconds) {
            self.f(S::Seconds, &[&seconds])
        } else {
            self.span(seconds)
        }
    }

    /// "5m ago" / "5 phút trước"; "now" alone.
    pub fn ago(self, time: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let seconds = (now - time).num_seconds();
        if seconds < 60 {
            return self.t(S::Now).to_owned();
        }
        self.f(S::Ago, &[&self.span(seconds)])
    }

    /// A day heading: "Today", "Yesterday", or "Monday 23 Nov" / "Thứ Hai, 23/11".
    pub fn day(self, day: NaiveDate, today: NaiveDate) -> String {
        if day == today {
            return self.t(S::Today).to_owned();
        }
        if Some(day) == today.pred_opt() {
            return self.t(S::Yesterday).to_owned();
        }
        match self.0 {
            Lang::En => day.format("%A %-d %b %Y").to_string(),
            Lang::Vi => {
                let weekday = match day.weekday().num_days_from_sunday() {
                    0 => "Chủ Nhật",
                    1 => "Thứ Hai",
                    2 => "Thứ Ba",
                    3 => "Thứ Tư",
                    4 => "Thứ Năm",
                    5 => "Thứ Sáu",
                    _ => "Thứ Bảy",
                };
                format!("{weekday}, {}", day.format("%d/%m/%Y"))
            }
        }
    }

    /// Why a reply to a comment is refused before it is stored, in this language.
    /// An order's state in this language.
    pub fn order_state(self, state: crate::orders::OrderState) -> &'static str {
        use crate::orders::OrderState;
        self.t(match state {
            OrderState::New => S::OrderNew,
            OrderState::Confirmed => S::OrderConfirmed,
            OrderState::Shipped => S::OrderShipped,
            OrderState::Delivered => S::OrderDelivered,
            OrderState::Returned => S::OrderReturned,
            OrderState::Cancelled => S::OrderCancelled,
        })
    }

    /// Why an order was not kept, or a change not made, in this language.
    pub fn order_refusal(self, refusal: &crate::orders::OrderRefusal) -> String {
        use crate::orders::OrderRefusal;
        match refusal {
            OrderRefusal::NoLines => self.t(S::OrderNoLines).to_owned(),
            OrderRefusal::Phone(typed) => self.f(S::OrderBadPhone, &[typed]),
            OrderRefusal::NoAddress => self.t(S::OrderNoAddress).to_owned(),
            OrderRefusal::NoPhone => self.t(S::OrderNoPhone).to_owned(),
            OrderRefusal::NotAdded(typed) => self.f(S::OrderNotAdded, &[typed]),
            OrderRefusal::NoProduct(code) => self.f(S::OrderNoProduct, &[code]),
            OrderRefusal::Amount(typed) => self.f(S::OrderBadAmount, &[typed]),
            OrderRefusal::NoPrice(name) => self.f(S::OrderNoPrice, &[name]),
            OrderRefusal::NoName => self.t(S::OrderNoName).to_owned(),
            OrderRefusal::BelowZero => self.t(S::OrderBelowZero).to_owned(),
            OrderRefusal::TooLarge => self.t(S::OrderTooLarge).to_owned(),
            OrderRefusal::NoOrder(id) => self.f(S::OrderMissing, &[id]),
            OrderRefusal::Move { from, to } => self.f(
                S::OrderCannotMove,
                &[&self.order_state(*from), &self.order_state(*to)],
            ),
            OrderRefusal::ChangedMeanwhile { by } => self.f(S::OrderChangedMeanwhile, &[by]),
            OrderRefusal::NoTracking => self.t(S::OrderNoTracking).to_owned(),
            OrderRefusal::DraftChanged { by } => self.f(S::OrderDraftChanged, &[by]),
            OrderRefusal::DraftGone {
                saved_as: Some((id, by)),
            } => self.f(S::OrderDraftSaved, &[by, id]),
            OrderRefusal::DraftGone { saved_as: None } => self.t(S::OrderDraftGone).to_owned(),
        }
    }

    pub fn comment_refusal(self, refusal: crate::model::CommentRefusal) -> String {
        use crate::model::CommentRefusal;
        self.t(match refusal {
            CommentRefusal::Files => S::RefusedFilesInComments,
            CommentRefusal::NoComment => S::RefusedNoComment,
            CommentRefusal::AnsweredPrivately => S::RefusedAnsweredPrivately,
            CommentRefusal::TooOld => S::RefusedTooOld,
            CommentRefusal::PrivateReplyFailed => S::RefusedPrivateFailed,
        })
        .to_owned()
    }

    /// Why a reply is not sent (yet), in this language, from the code the engine stored with
    /// its English words; the words themselves when the code is unknown.
    pub fn reply_problem(
        self,
        problem: Option<ReplyProblem>,
        words: &str,
        hm: impl Fn(DateTime<Utc>) -> String,
    ) -> String {
        let Some(problem) = problem else {
            return words.to_owned();
        };
        let key = match problem {
            ReplyProblem::TooLong { chars } => {
                return self.f(S::ProblemTooLong, &[&chars]);
            }
            ReplyProblem::RateLimited { until } => {
                return self.f(S::ProblemRateLimited, &[&hm(until)]);
            }
            ReplyProblem::Retrying { at } => return self.f(S::ProblemRetrying, &[&hm(at)]),
            // A day later: the day is said.
            ReplyProblem::SendingRestricted { until } => {
                let day = until.with_timezone(&chrono::Local).format("%d/%m");
                return self.f(
                    S::ProblemSendingRestricted,
                    &[&format!("{day} {}", hm(until))],
                );
            }
            ReplyProblem::Refused => return self.f(S::ProblemRefused, &[&words]),
            ReplyProblem::File => return self.f(S::ProblemFile, &[&words]),
            ReplyProblem::Restored => S::ProblemRestored,
            ReplyProblem::Empty => S::ProblemEmpty,
            ReplyProblem::NeverWrote => S::ProblemNeverWrote,
            ReplyProblem::AgentTagOff => S::ProblemAgentTagOff,
            ReplyProblem::SevenDays => S::ProblemSevenDays,
            ReplyProblem::NotConfigured => S::ProblemNotConfigured,
            ReplyProblem::Window => S::ProblemWindow,
            ReplyProblem::Unavailable => S::ProblemUnavailable,
            ReplyProblem::CannotMessage => S::ProblemCannotMessage,
            ReplyProblem::PolicyBlock => S::ProblemPolicyBlock,
            ReplyProblem::NoUser => S::ProblemNoUser,
            ReplyProblem::AgentPermission => S::ProblemAgentPermission,
            ReplyProblem::Token => S::ProblemToken,
            ReplyProblem::Permission => S::ProblemPermission,
            ReplyProblem::CommentPermission => S::ProblemCommentPermission,
            ReplyProblem::Facebook => S::ProblemFacebook,
        };
        self.t(key).to_owned()
    }

    /// Why a file cannot be sent, naming it.
    pub fn file_problem(self, problem: &FileProblem) -> String {
        match problem {
            FileProblem::Missing { path } => self.f(S::FileMissing, &[path]),
            FileProblem::NotAFile { path } => self.f(S::FileNotRegular, &[path]),
            FileProblem::Unreadable { path, why } => self.f(S::FileUnreadable, &[path, why]),
            FileProblem::NoPermission { path } => self.f(S::FileNoPermission, &[path]),
            FileProblem::OutsideFolder { path } => self.f(S::FileOutsideFolder, &[path]),
            FileProblem::TooLarge { path, size } => self.f(
                S::FileTooLarge,
                &[
                    path,
                    &file_size(*size),
                    &(MAX_FILE_BYTES / (1024 * 1024)).to_string(),
                ],
            ),
            FileProblem::Unsupported { path } => self.f(S::FileUnsupported, &[path]),
            FileProblem::NotWhatItsNameSays { path, ending } => {
                self.f(S::FileNotWhatItsNameSays, &[path, ending])
            }
            FileProblem::TimedOut { path } => {
                let seconds = READ_TIMEOUT.as_secs().to_string();
                self.f(S::FileTimedOut, &[path, &seconds])
            }
            FileProblem::Changed { path } => self.f(S::FileChanged, &[path]),
        }
    }

    /// Where a buyer came from, with when (`at`, as the screen shows times).
    pub fn referral(self, referral: &Referral, at: &str) -> String {
        match (&referral.ad_title, &referral.ad_id, &referral.reference) {
            (Some(title), _, _) => self.f(S::FromAd, &[title, &at]),
            (None, Some(ad), _) => self.f(S::FromAdUntitled, &[ad, &at]),
            (None, None, Some(reference)) => self.f(S::FromLink, &[reference, &at]),
            (None, None, None) => self.f(S::FromSource, &[&referral.source, &at]),
        }
    }
}

/// A size as people read it: 820 B, 14 KB, 1.2 MB, 37.5 GB (a disk's free space).
pub fn file_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{} KB", bytes / 1024),
        1_048_576..1_073_741_824 => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
        _ => format!("{:.1} GB", bytes as f64 / 1_073_741_824.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_exists_in_both_languages_with_the_same_placeholders() {
        for key in S::ALL {
            let en = key.text(Lang::En);
            let vi = key.text(Lang::Vi);
            assert!(!en.trim().is_empty(), "{key:?} has no English");
            assert!(!vi.trim().is_empty(), "{key:?} has no Vietnamese");
            assert_eq!(
                en.matches("{}").count(),
                vi.matches("{}").count(),
                "{key:?}"
            );
        }
    }

    #[test]
    fn templates_fill_in_order_and_times_read_naturally() {
        let vi = Tr(Lang::Vi);
        let en = Tr(Lang::En);
        assert_eq!(
            vi.f(S::RateLimited, &[&"Shop", &"14:05"]),
            "Shop: Facebook bắt chờ đến 14:05; có thể có khách mới đang chờ mà chưa hiện"
        );
        let now = Utc::now();
        assert_eq!(en.ago(now - chrono::Duration::minutes(5), now), "5m ago");
        assert_eq!(
            vi.ago(now - chrono::Duration::minutes(5), now),
            "5 phút trước"
        );
        assert_eq!(vi.ago(now, now), "vừa xong");
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(vi.day(today, today), "Hôm nay");
        assert_eq!(en.day(today.pred_opt().unwrap(), today), "Yesterday");
        assert_eq!(
            vi.day(today - chrono::Days::new(10), today),
            "Thứ Sáu, 13/11/2026"
        );
        assert_eq!(
            en.day(today - chrono::Days::new(10), today),
            "Friday 13 Nov 2026"
        );
    }

    #[test]
    fn reply_problems_are_worded_in_the_staffs_language() {
        let vi = Tr(Lang::Vi);
        let hm = |_: DateTime<Utc>| "14:05".to_owned();
        let until = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        assert_eq!(
            vi.reply_problem(Some(ReplyProblem::TooLong { chars: 2001 }), "x", hm),
            "tin dài 2001 ký tự; Facebook chỉ nhận tối đa 2000"
        );
        assert_eq!(
            vi.reply_problem(Some(ReplyProblem::RateLimited { until }), "x", hm),
            "Facebook giới hạn đến 14:05"
        );
        assert_eq!(
            vi.reply_problem(Some(ReplyProblem::Refused), "100: (#100) bad", hm),
            "Facebook từ chối tin (mã lỗi 100: (#100) bad)"
        );
        assert_eq!(vi.reply_problem(None, "older words", hm), "older words");
        assert_eq!(
            Tr(Lang::En).reply_problem(Some(ReplyProblem::SevenDays), "x", hm),
            S::ProblemSevenDays.text(Lang::En)
        );
    }

    #[test]
    fn the_language_comes_from_the_config_or_lang() {
        assert_eq!(Lang::choose(Some(Lang::Vi)), Lang::Vi);
        assert_eq!(Lang::choose(Some(Lang::En)), Lang::En);
    }
}
