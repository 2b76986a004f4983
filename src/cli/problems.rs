//! What stopped a command, in the staff's language: the database's problems (PostgreSQL out of
//! reach, a refusal, a database of a newer pagedesk) are what a team meets most, so they are
//! said in staff's words with what to do, in Vietnamese too. Another error is said as it is.

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
    match cause.downcast_ref::<StoreError>()? {
        StoreError::Postgres(error) => postgres_problem(tr, error),
        StoreError::Database(error) => statement_problem(tr, error),
        _ => None,
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
