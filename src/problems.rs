//! What went wrong, in the staff's language, with what to do: the store's problems (PostgreSQL
//! out of reach, a refusal, a full disk, a data directory of another user, a label already
//! there), for the line a command ends with and for the inbox's status line. An error from
//! elsewhere is said as it is.

use crate::i18n::{Lang, S, Tr};
use crate::store::StoreError;
use crate::store::db::DbError;
use crate::store::postgres::PgError;

/// `error` and its causes, as the line `pagedesk:` prints.
pub fn error_words(lang: Lang, error: &anyhow::Error) -> String {
    let tr = Tr(lang);
    error
        .chain()
        .find_map(|cause| database_problem(tr, cause))
        .unwrap_or_else(|| format!("{error:#}"))
}

fn database_problem(tr: Tr, cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(error) = cause.downcast_ref::<PgError>() {
        return postgres_problem(tr, error);
    }
    store_problem(tr, cause.downcast_ref::<StoreError>()?)
}

/// The store's error in staff's words (the inbox says it as it is when there are none).
pub fn store_words(tr: Tr, error: &StoreError) -> String {
    store_problem(tr, error).unwrap_or_else(|| tr.f(S::StoreError, &[error]))
}

fn store_problem(tr: Tr, error: &StoreError) -> Option<String> {
    Some(match error {
        StoreError::Postgres(error) => return postgres_problem(tr, error),
        StoreError::Database(error) => return statement_problem(tr, error),
        StoreError::Sqlite(error) => return sqlite_problem(tr, error),
        StoreError::DataDir { path, source } => {
            tr.f(S::StoreDataDir, &[&path.display(), &io_words(tr, source)])
        }
        StoreError::NotOwner { path, owner } => {
            let name = crate::config::user_name(*owner);
            let who = match &name {
                Some(name) => format!("{name}, uid {owner}"),
                None => format!("uid {owner}"),
            };
            let run_as = name.unwrap_or_else(|| owner.to_string());
            tr.f(S::StoreNotOwner, &[&path.display(), &who, &run_as])
        }
        StoreError::ReadOnly(path) => tr.f(S::StoreReadOnly, &[&path.display()]),
        StoreError::WriterStopped => tr.t(S::StoreWriterStopped).to_owned(),
        StoreError::EmptyReply => tr.t(S::StoreEmptyReply).to_owned(),
        StoreError::NoConversation(id) => tr.f(S::StoreNoConversation, &[id]),
        StoreError::CommentReply(refusal) => tr.comment_refusal(*refusal),
        StoreError::Order(refusal) => tr.order_refusal(refusal),
        StoreError::EmptyLabel => tr.t(S::StoreEmptyLabel).to_owned(),
        StoreError::LabelExists(name) => tr.f(S::StoreLabelExists, &[name]),
        StoreError::NoLabel => tr.t(S::StoreNoLabel).to_owned(),
        StoreError::Damaged { path, why } => tr.f(
            S::StoreDamaged,
            &[&path.display(), &tr.f(S::PgCauseDetail, &[why])],
        ),
        StoreError::InUse(path) => tr.f(S::StoreInUse, &[&path.display()]),
        StoreError::EmptyNote => tr.t(S::StoreEmptyNote).to_owned(),
        StoreError::NoteTooLong => tr.f(S::StoreNoteTooLong, &[&crate::text::MAX_TEXT_CHARS]),
        StoreError::TooNew { found, known } => {
            tr.f(S::StoreTooNew, &[found, &crate::VERSION, known])
        }
        StoreError::OnPostgres(command) => tr.f(S::StoreOnPostgres, &[command]),
        StoreError::Unreadable { path, why } => {
            tr.f(S::StoreUnreadable, &[&path.display(), &io_words(tr, why)])
        }
        // A backup's copy: said to whoever runs the server, in the words the file system gave.
        StoreError::Copy { .. } | StoreError::CopyDatabase { .. } => return None,
    })
}

/// SQLite's failures staff meet (a full disk, another pagedesk holding on), in their words.
fn sqlite_problem(tr: Tr, error: &rusqlite::Error) -> Option<String> {
    use rusqlite::ErrorCode;
    let key = match error.sqlite_error_code()? {
        ErrorCode::DiskFull => S::StoreDiskFull,
        ErrorCode::ReadOnly => S::StoreSqliteReadOnly,
        ErrorCode::SystemIoFailure => S::StoreCannotWrite,
        ErrorCode::CannotOpen => S::StoreCannotOpen,
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => S::StoreBusy,
        ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => S::StoreFileDamaged,
        _ => return None,
    };
    Some(tr.t(key).to_owned())
}

/// A file system's refusal in staff's words when it is one of the usual ones.
fn io_words(tr: Tr, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => tr.t(S::IoPermissionDenied).to_owned(),
        std::io::ErrorKind::NotFound => tr.t(S::IoNotFound).to_owned(),
        _ => tr.f(S::PgCauseDetail, &[error]),
    }
}

/// Opening the team's database.
fn postgres_problem(tr: Tr, error: &PgError) -> Option<String> {
    Some(match error {
        PgError::PasswordInUrl => tr.t(S::PgPasswordInUrl).to_owned(),
        PgError::Unreachable { at, why } => tr.f(S::PgUnreachable, &[at, &cause(tr, why)]),
        PgError::Refused { at, why } => tr.f(S::PgRefused, &[at, &cause(tr, why)]),
        PgError::TooNew { at, found, known } => tr.f(S::PgTooNew, &[at, found, known]),
        PgError::NotPagedesks { at } => tr.f(S::PgNotPagedesks, &[at]),
        PgError::Store(error) => return database_problem(tr, error),
        _ => return None,
    })
}

/// A statement the database did not carry out.
fn statement_problem(tr: Tr, error: &DbError) -> Option<String> {
    let DbError::Postgres { at, why, code } = error else {
        return None;
    };
    Some(match code.as_deref() {
        _ if error.unreachable() => tr.f(S::PgLostMidWay, &[at, &cause(tr, why)]),
        Some("55P03") => tr.f(S::PgKeptBusy, &[at]),
        // The server's own words for a statement: none of the usual causes of a connection.
        Some(code) => tr.f(
            S::PgStatementRefused,
            &[
                at,
                &tr.f(S::PgCauseDetail, &[&crate::text::clean_line(why)]),
                &code,
            ],
        ),
        None => return None,
    })
}

/// The cause a driver or the server gives (in English) in staff's words when it is one of the
/// usual ones; else its own words, given as the detail for whoever runs the server.
fn cause(tr: Tr, why: &str) -> String {
    let said = why.to_lowercase();
    let usual = [
        ("connection refused", S::PgCauseRefused),
        ("no such file or directory", S::PgCauseNoServer),
        ("did not answer within", S::PgCauseNoAnswer),
        ("no answer yet", S::PgCauseNoAnswer),
        ("timed out", S::PgCauseTimeout),
        ("failed to lookup address", S::PgCauseNoHost),
        ("password authentication failed", S::PgCauseWrongPassword),
        ("no password", S::PgCauseNoPassword),
        ("does not exist", S::PgCauseNoDatabase),
        ("connection closed", S::PgCauseClosed),
        ("early eof", S::PgCauseClosed),
        ("connection reset", S::PgCauseClosed),
        ("terminating connection", S::PgCauseClosed),
        ("shutting down", S::PgCauseRestarting),
        ("starting up", S::PgCauseRestarting),
        ("recovery", S::PgCauseRestarting),
    ];
    match usual.iter().find(|(words, _)| said.contains(words)) {
        Some((_, key)) => tr.t(*key).to_owned(),
        None => tr.f(S::PgCauseDetail, &[&crate::text::clean_line(why)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_problems_staff_meet_are_said_in_vietnamese() {
        let said = |error: StoreError| error_words(Lang::Vi, &anyhow::Error::new(error));
        assert_eq!(
            said(StoreError::LabelExists("Chờ chuyển khoản".into())),
            "đã có nhãn tên Chờ chuyển khoản rồi"
        );
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert_eq!(
            said(StoreError::Sqlite(full)),
            "ổ đĩa đầy: hãy dọn bớt chỗ; dữ liệu đã lưu không mất gì"
        );
        let denied = StoreError::DataDir {
            path: "/srv/shop".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            said(denied),
            "không dùng được thư mục dữ liệu /srv/shop: không có quyền truy cập"
        );
        // In the inbox too, and in English as before.
        assert_eq!(
            store_words(Tr(Lang::Vi), &StoreError::EmptyNote),
            "ghi chú trống: không lưu gì"
        );
        assert_eq!(
            store_words(Tr(Lang::En), &StoreError::EmptyNote),
            StoreError::EmptyNote.to_string()
        );
    }

    #[test]
    fn a_database_out_of_reach_is_said_in_vietnamese_without_english_words() {
        let error = anyhow::Error::new(StoreError::Postgres(Box::new(PgError::Unreachable {
            at: "pagedesk@db.shop.vn:5432/shop".into(),
            why: "error connecting to server: Connection refused (os error 111)".into(),
        })));
        let said = error_words(Lang::Vi, &error);
        assert_eq!(
            said,
            "không kết nối được PostgreSQL tại pagedesk@db.shop.vn:5432/shop: máy chủ không nhận kết nối (chưa chạy, hoặc sai địa chỉ, cổng); chưa làm gì cả: hãy làm lại khi kết nối được"
        );
        assert!(error_words(Lang::En, &error).starts_with("cannot reach PostgreSQL at"));
        let frozen = anyhow::Error::new(StoreError::Postgres(Box::new(PgError::Unreachable {
            at: "pagedesk@db.shop.vn:5432/shop".into(),
            why: "the server did not answer within 10 s".into(),
        })));
        assert!(
            error_words(Lang::Vi, &frozen)
                .contains("máy chủ không phản hồi nữa (bị treo, hoặc máy chủ đang tạm dừng?)"),
            "{}",
            error_words(Lang::Vi, &frozen)
        );
    }
}
