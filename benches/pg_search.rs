//! Search with Vietnamese diacritics ignored, on PostgreSQL (issue 29: "unaccent with full-text
//! search or trigram indexes: measure and choose"), beside SQLite's FTS5 as pagedesk uses it.
//! The same corpus in each: messages of shop talk, folded as pagedesk folds them (no marks, đ
//! as d) or by PostgreSQL's `unaccent`. Each query is pagedesk's: every word typed as a word's
//! beginning ("vay do" finds "Váy đỏ"), newest first, 50 at most.
//!
//! `cargo bench --bench pg_search` (a PostgreSQL of its own, as the tests start one; or
//! `PAGEDESK_TEST_DATABASE_URL`) prints a Markdown table.

#[allow(dead_code)]
#[path = "../tests/it/common/postgres.rs"]
mod pg;

use std::time::{Duration, Instant};

use pagedesk::text::fold;

const MESSAGES: usize = 200_000;
const ROUNDS: usize = 30;

/// Words of shop talk, with their marks: a corpus where common and rare words both occur.
const WORDS: &[&str] = &[
    "shop",
    "ơi",
    "còn",
    "không",
    "ạ",
    "váy",
    "đỏ",
    "size",
    "M",
    "L",
    "giá",
    "bao",
    "nhiêu",
    "ship",
    "về",
    "Hà",
    "Nội",
    "chốt",
    "đơn",
    "em",
    "lấy",
    "áo",
    "thun",
    "trắng",
    "đen",
    "quần",
    "jean",
    "đầm",
    "hoa",
    "nhí",
    "giao",
    "hàng",
    "khi",
    "nào",
    "chuyển",
    "khoản",
    "rồi",
    "nhé",
    "cảm",
    "ơn",
    "số",
    "điện",
    "thoại",
    "địa",
    "chỉ",
    "phường",
    "quận",
    "mẫu",
    "này",
    "có",
    "màu",
    "xanh",
    "túi",
    "xách",
    "giày",
    "dép",
    "freeship",
    "cod",
    "đổi",
    "trả",
    "hoàn",
    "tiền",
    "bảo",
    "hành",
    "chất",
    "liệu",
    "cotton",
    "lụa",
    "len",
];
/// Rare words, each in about one message in a thousand.
const RARE: &[&str] = &["khuyến", "mãi", "voucher", "Đà", "Lạt", "Cần", "Thơ"];

/// What staff type: (label, query).
const QUERIES: &[(&str, &str)] = &[
    ("a common word", "vay"),
    ("two common words", "vay do"),
    ("a short prefix", "gi"),
    ("a rare word", "voucher"),
    ("rare words, marks typed", "Đà Lạt"),
    ("a word no message has", "xyzabc"),
];

/// A corpus made the same way every run (a small linear congruential generator).
fn corpus() -> Vec<String> {
    let mut seed: u64 = 20261203;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    (0..MESSAGES)
        .map(|_| {
            let length = 4 + next(14);
            let mut words: Vec<&str> = (0..length).map(|_| WORDS[next(WORDS.len())]).collect();
            if next(1000) == 0 {
                words.push(RARE[next(RARE.len())]);
            }
            words.join(" ")
        })
        .collect()
}

/// pagedesk's query: each word as a word's beginning.
fn prefixes(typed: &str) -> Vec<String> {
    fold(typed)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// One way of searching: how to make its index, how to ask it.
struct Way {
    name: &'static str,
    index: &'static str,
    /// The query for so many words typed, `$1`… what the way is given.
    query: fn(usize) -> String,
    /// What it is given for the words typed.
    given: fn(&[String]) -> Vec<String>,
}

/// Every word as a prefix, in one full-text query.
fn prefix_query(words: &[String]) -> Vec<String> {
    let terms: Vec<String> = words.iter().map(|w| format!("{w}:*")).collect();
    vec![terms.join(" & ")]
}

/// Each word as a regular expression of a word's beginning.
fn each_word_beginning(words: &[String]) -> Vec<String> {
    words.iter().map(|w| format!("\\m{w}")).collect()
}

/// Every word, each at a word's beginning, in any order, in one regular expression (one word
/// alone plainly, which the trigram index reads best).
fn word_beginnings(words: &[String]) -> Vec<String> {
    match words {
        [word] => vec![format!("\\m{word}")],
        words => {
            let each: Vec<String> = words.iter().map(|w| format!("(?=.*\\m{w})")).collect();
            vec![format!("^{}", each.concat())]
        }
    }
}

/// `condition` with `$1`, `$2`… for each of `n`, joined by AND.
fn all_of(condition: &str, n: usize) -> String {
    let each: Vec<String> = (1..=n)
        .map(|i| condition.replace("$1", &format!("${i}")))
        .collect();
    each.join(" AND ")
}

const WAYS: &[Way] = &[
    Way {
        name: "full-text, folded by pagedesk",
        index: "CREATE INDEX m_fts ON m USING gin (to_tsvector('simple', folded))",
        query: |_| {
            "SELECT id FROM m WHERE to_tsvector('simple', folded) @@ to_tsquery('simple', $1)
             ORDER BY id DESC LIMIT 50"
                .to_owned()
        },
        given: prefix_query,
    },
    Way {
        name: "full-text, unaccent in PostgreSQL",
        index: "CREATE INDEX m_unaccent ON m
                USING gin (to_tsvector('simple', pagedesk_unaccent(text)))",
        query: |_| {
            "SELECT id FROM m
             WHERE to_tsvector('simple', pagedesk_unaccent(text)) @@ to_tsquery('simple', $1)
             ORDER BY id DESC LIMIT 50"
                .to_owned()
        },
        given: prefix_query,
    },
    Way {
        name: "full-text, folded by pagedesk, matches first",
        index: "CREATE INDEX m_fts ON m USING gin (to_tsvector('simple', folded))",
        // The index's matches, then the newest of them: the planner would otherwise walk every
        // message newest first, looking for a rare word's few.
        query: |_| {
            "WITH hits AS MATERIALIZED (SELECT id FROM m
                 WHERE to_tsvector('simple', folded) @@ to_tsquery('simple', $1))
             SELECT id FROM hits ORDER BY id DESC LIMIT 50"
                .to_owned()
        },
        given: prefix_query,
    },
    Way {
        name: "trigram, folded by pagedesk, one expression",
        index: "CREATE INDEX m_trgm ON m USING gin (folded gin_trgm_ops)",
        query: |_| "SELECT id FROM m WHERE folded ~ $1 ORDER BY id DESC LIMIT 50".to_owned(),
        given: word_beginnings,
    },
    Way {
        name: "trigram, folded by pagedesk, a condition per word",
        index: "CREATE INDEX m_trgm ON m USING gin (folded gin_trgm_ops)",
        query: |n| {
            format!(
                "SELECT id FROM m WHERE {} ORDER BY id DESC LIMIT 50",
                all_of("folded ~ $1", n)
            )
        },
        given: each_word_beginning,
    },
];

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let texts = corpus();
    let mut table = vec![
        "| way | index build | index size | ".to_owned()
            + &QUERIES
                .iter()
                .map(|(label, _)| format!("{label} p50 / p99 ms"))
                .collect::<Vec<_>>()
                .join(" | ")
            + " |",
    ];
    table.push(format!("|{}", " --- |".repeat(3 + QUERIES.len())));
    table.push(sqlite_row(&texts));
    runtime.block_on(async {
        let Some((_, url)) = pg::fresh_database().await else {
            return;
        };
        let client = pg::client(&url).await;
        client
            .batch_execute(
                "CREATE EXTENSION IF NOT EXISTS unaccent;
                 CREATE EXTENSION IF NOT EXISTS pg_trgm;
                 -- unaccent() may change with its dictionary, so PostgreSQL will not index it:
                 -- the usual wrapper says it will not.
                 CREATE FUNCTION pagedesk_unaccent(text) RETURNS text
                     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                     RETURN public.unaccent('public.unaccent'::regdictionary, lower($1));
                 CREATE TABLE m (id BIGINT PRIMARY KEY, text TEXT NOT NULL, folded TEXT NOT NULL);",
            )
            .await
            .unwrap();
        for chunk in texts.chunks(5000).enumerate() {
            let (n, chunk) = chunk;
            let ids: Vec<i64> = (0..chunk.len()).map(|i| (n * 5000 + i) as i64).collect();
            let folded: Vec<String> = chunk.iter().map(|t| fold(t)).collect();
            client
                .execute(
                    "INSERT INTO m SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])",
                    &[&ids, &chunk.to_vec(), &folded],
                )
                .await
                .unwrap();
        }
        // The unaccented words match those pagedesk folds.
        let disagree: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM m WHERE pagedesk_unaccent(text) <> folded",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        for way in WAYS {
            let start = Instant::now();
            client.batch_execute(way.index).await.unwrap();
            client.batch_execute("ANALYZE m").await.unwrap();
            let built = start.elapsed();
            let size: i64 = client
                .query_one(
                    "SELECT SUM(pg_relation_size(indexrelid))::bigint FROM pg_index
                     WHERE indrelid = 'm'::regclass AND NOT indisprimary",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            let mut cells = vec![
                way.name.to_owned(),
                format!("{:.1} s", built.as_secs_f64()),
                format!("{} MB", size / 1_000_000),
            ];
            for (_, typed) in QUERIES {
                let given = (way.given)(&prefixes(typed));
                let statement = client.prepare(&(way.query)(given.len())).await.unwrap();
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = given
                    .iter()
                    .map(|g| g as &(dyn tokio_postgres::types::ToSql + Sync))
                    .collect();
                let mut samples = Vec::new();
                for _ in 0..ROUNDS {
                    let start = Instant::now();
                    client.query(&statement, &params).await.unwrap();
                    samples.push(start.elapsed());
                }
                let (p50, p99) = (
                    percentile(&mut samples, 0.5),
                    percentile(&mut samples, 0.99),
                );
                cells.push(format!("{} / {}", ms(p50), ms(p99)));
            }
            table.push(format!("| {} |", cells.join(" | ")));
            // One index at a time: each way measured alone.
            let drop_it = way.index.split_whitespace().nth(2).unwrap();
            client
                .batch_execute(&format!("DROP INDEX {drop_it}"))
                .await
                .unwrap();
        }
        println!("{MESSAGES} messages of shop talk; {ROUNDS} runs of each query.\n");
        println!("{}", table.join("\n"));
        println!("\nMessages whose text unaccent folds otherwise than pagedesk: {disagree}.");
    });
}

/// SQLite's FTS5 as pagedesk's store has it, on the same corpus.
fn sqlite_row(texts: &[String]) -> String {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE VIRTUAL TABLE s USING fts5(folded, content = '', contentless_delete = 1,
             tokenize = 'unicode61 remove_diacritics 2');",
    )
    .unwrap();
    let start = Instant::now();
    {
        let tx = conn.unchecked_transaction().unwrap();
        let mut insert = tx
            .prepare("INSERT INTO s (rowid, folded) VALUES (?1, ?2)")
            .unwrap();
        for (i, text) in texts.iter().enumerate() {
            insert
                .execute(rusqlite::params![i as i64, fold(text)])
                .unwrap();
        }
        drop(insert);
        tx.commit().unwrap();
    }
    let built = start.elapsed();
    let pages: i64 = conn
        .query_row(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 's_%'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    let mut cells = vec![
        "SQLite FTS5 (today's store)".to_owned(),
        format!("{:.1} s", built.as_secs_f64()),
        match pages {
            0 => "-".to_owned(),
            bytes => format!("{} MB", bytes / 1_000_000),
        },
    ];
    let mut statement = conn
        .prepare("SELECT rowid FROM s WHERE s MATCH ?1 ORDER BY rowid DESC LIMIT 50")
        .unwrap();
    for (_, typed) in QUERIES {
        let words: Vec<String> = prefixes(typed)
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect();
        let query = words.join(" ");
        let mut samples = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let _: Vec<i64> = statement
                .query_map([&query], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            samples.push(start.elapsed());
        }
        let (p50, p99) = (
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.99),
        );
        cells.push(format!("{} / {}", ms(p50), ms(p99)));
    }
    format!("| {} |", cells.join(" | "))
}
