//! pagedesk on a shop's server (issue 28), through the binary: the version it says, a backup
//! taken while the service syncs and inboxes write, a restore refused while anything uses the
//! data directory and made once nothing does, the copy kept before an upgrade changes the
//! schema (from every earlier schema), and a newer database refused untouched.

use std::os::unix::fs::PermissionsExt;

use crate::common;

use common::{Service, TestWorld};
use pagedesk::store::{MIGRATIONS, Store};

/// Counts of `table` in the database file at `path`.
fn count(path: &std::path::Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// `pagedesk args` on the data directory `data_dir`, with the test world's config.
async fn pagedesk_on(world: &TestWorld, data_dir: &std::path::Path, args: &[&str]) -> common::Run {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_pagedesk"))
        .arg("--config")
        .arg(&world.config_path)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("PAGEDESK_CONFIG")
        .env_remove("PAGEDESK_DATA_DIR")
        .output()
        .await
        .unwrap();
    common::Run::from(output)
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `bytes` written at `path` and attached to Mai's draft to conversation `lan`, not sent yet.
fn attach_to_draft(
    world: &TestWorld,
    lan: &str,
    path: &std::path::Path,
    bytes: &[u8],
) -> pagedesk::files::OutgoingFile {
    std::fs::write(path, bytes).unwrap();
    let attached = pagedesk::files::OutgoingFile::check(path).unwrap();
    world
        .store()
        .as_staff("Mai")
        .save_draft_files(&lan.into(), std::slice::from_ref(&attached))
        .unwrap();
    attached
}

/// Mai's reply `text` to conversation `lan`, waiting in the outbox.
fn reply_waiting(world: &TestWorld, lan: &str, text: &str) {
    world
        .store()
        .as_staff("Mai")
        .enqueue_reply(&lan.into(), text, chrono::Utc::now())
        .unwrap();
}

/// `pagedesk backup FILE`, which must succeed.
async fn backed_up(world: &TestWorld, file: &std::path::Path) -> common::Run {
    let run = world.pagedesk(&["backup", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[tokio::test]
async fn the_version_names_the_commit_it_was_built_from() {
    let world = TestWorld::start("").await;
    let run = world.pagedesk(&["--version"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    let said = run.stdout.trim();
    assert!(
        said.starts_with(&format!("pagedesk {} (", env!("CARGO_PKG_VERSION"))),
        "{said}"
    );
    if let Some(head) = head {
        assert!(said.contains(&head), "{said} names {head}");
    }
}

#[tokio::test]
async fn a_backup_taken_while_the_service_syncs_and_inboxes_write_restores_only_when_all_stop() {
    let (world, lan) = TestWorld::with_a_buyer("interval = \"1s\"").await;
    let service = Service::start(&world);
    // Two inboxes' connections writing meanwhile, as staff typing drafts do.
    let writers: Vec<_> = ["Mai", "Hùng"]
        .into_iter()
        .map(|staff| {
            let (dir, lan) = (world.data_dir.clone(), lan.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&dir).unwrap().as_staff(staff);
                for i in 0..200 {
                    store
                        .save_draft(&lan.as_str().into(), &format!("{staff} gõ {i}"))
                        .unwrap();
                }
            })
        })
        .collect();
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("pagedesk-1.db");
    let run = backed_up(&world, &file).await;
    assert!(run.stdout.contains("checked"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("attached"),
        "no files, not said: {}",
        run.stdout
    );
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(mode(&file), 0o600, "owner-only");
    let conn = rusqlite::Connection::open(&file).unwrap();
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok");
    drop(conn);
    let backed_up = count(&file, "messages");
    assert!(backed_up > 0);
    // Never over an existing file.
    let again = world.pagedesk(&["backup", file.to_str().unwrap()]).await;
    assert_ne!(again.code, 0);
    // While the service runs, a restore is refused and nothing changes.
    world
        .buyer_writes(0, "Trần Văn Minh", "Còn hàng không shop?", "inbox", 0)
        .await;
    let start = std::time::Instant::now();
    let database = world.data_dir.join("pagedesk.db");
    while count(&database, "messages") == backed_up {
        assert!(start.elapsed().as_secs() < 10, "the service did not sync");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let refused = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("stop it first"),
        "{}",
        refused.stderr
    );
    // Which pagedesk, for whoever must stop it.
    let pid = service.child.id().unwrap();
    let named = refused
        .stderr
        .lines()
        .find(|l| l.contains(&format!("pid {pid}: ")))
        .unwrap_or_else(|| panic!("{}", refused.stderr));
    assert!(named.ends_with(" sync"), "{named}");
    assert_eq!(
        count(&database, "messages"),
        backed_up + 1,
        "nothing changed"
    );
    // Stopped as systemd stops it, the data directory is free: the backup goes back in.
    service.stops_cleanly(&world, libc::SIGTERM).await;
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert_eq!(count(&database, "messages"), backed_up);
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    assert!(log.contains("restored from="), "the restore is in the log");
    assert_eq!(mode(&database), 0o600);
    let aside: Vec<_> = std::fs::read_dir(&world.data_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1, "the replaced database kept aside");
    assert_eq!(count(&aside[0], "messages"), backed_up + 1);
    assert_eq!(mode(&aside[0]), 0o600);
    // And pagedesk goes on with it.
    let listed = world.pagedesk(&["conversations"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
}

/// A data directory whose database is as a pagedesk of schema `version` left it, with a
/// conversation in it.
fn database_of_schema(version: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join("pagedesk.db")).unwrap();
    let tx = conn.transaction().unwrap();
    for migration in &MIGRATIONS[..version] {
        tx.execute_batch(migration).unwrap();
    }
    tx.execute_batch(
        "INSERT INTO pages (id, name) VALUES ('p', 'Shop');
         INSERT INTO conversations (id, page_id, folder, customer_id, customer_name, snippet,
            updated_time, unread_count)
         VALUES ('t_1', 'p', 'inbox', 'u', 'Nguyễn Thị Lan', 'Còn size S không?', 1700000000, 1);",
    )
    .unwrap();
    tx.pragma_update(None, "user_version", version as i64)
        .unwrap();
    tx.commit().unwrap();
    dir
}

#[tokio::test]
async fn an_upgrade_keeps_a_copy_of_every_earlier_schema_before_changing_it() {
    let world = TestWorld::start("").await;
    let known = MIGRATIONS.len();
    // Schema 1 holds no conversations table yet (it is the first); each later one does.
    for version in 2..known {
        let dir = database_of_schema(version);
        // A copy a pagedesk was killed making (a service restarted while it migrated).
        let left = dir.path().join("pagedesk.db.copying-2147483646");
        std::fs::write(&left, b"the size of the database").unwrap();
        let run = pagedesk_on(&world, dir.path(), &["conversations", "--json"]).await;
        assert_eq!(run.code, 0, "schema {version}: {}", run.stderr);
        assert!(!left.exists(), "a dead pagedesk's copy is removed");
        let copy = dir.path().join(format!("pagedesk.db.schema-{version}"));
        assert!(
            run.stderr.contains(copy.to_str().unwrap()),
            "schema {version}: says so: {}",
            run.stderr
        );
        assert_eq!(mode(&copy), 0o600);
        let conn = rusqlite::Connection::open(&copy).unwrap();
        let kept: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, version as i64, "the copy is the database as it was");
        assert_eq!(count(&copy, "conversations"), 1);
        // The upgraded database keeps the conversation; the next start copies nothing more.
        assert!(run.stdout.contains("Nguyễn Thị Lan"), "schema {version}");
        let again = pagedesk_on(&world, dir.path(), &["conversations"]).await;
        assert!(!again.stderr.contains("copied"), "{}", again.stderr);
        let copies = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".schema-"))
            .count();
        assert_eq!(copies, 1, "one copy kept");
    }
}

#[tokio::test]
async fn a_database_from_a_newer_pagedesk_is_refused_untouched() {
    let world = TestWorld::start("").await;
    let dir = database_of_schema(MIGRATIONS.len());
    let database = dir.path().join("pagedesk.db");
    let conn = rusqlite::Connection::open(&database).unwrap();
    conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 3)
        .unwrap();
    drop(conn);
    let run = pagedesk_on(&world, dir.path(), &["conversations"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("written by a newer pagedesk"),
        "{}",
        run.stderr
    );
    let conn = rusqlite::Connection::open(&database).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64 + 3, "not migrated back");
    assert_eq!(count(&database, "conversations"), 1, "untouched");
    let copies = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".schema-"))
        .count();
    assert_eq!(copies, 0);
}

/// The service, backup and timer units in `contrib/systemd` as systemd reads them: no line it
/// would ignore or refuse (`systemd-analyze verify`, where the machine has systemd).
#[test]
fn the_systemd_units_are_what_systemd_reads() {
    let Ok(version) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("systemd-analyze is not installed here: the units are not verified");
        return;
    };
    assert!(version.status.success());
    let units = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/systemd");
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&units).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // The binary where this build put it: verify checks that ExecStart can run.
        let text = std::fs::read_to_string(entry.path())
            .unwrap()
            .replace("/usr/local/bin/pagedesk", env!("CARGO_BIN_EXE_pagedesk"));
        std::fs::write(dir.path().join(&name), text).unwrap();
        names.push(name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "pagedesk-backup.service",
            "pagedesk-backup.timer",
            "pagedesk.service"
        ]
    );
    let verified = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(names.iter().map(|n| format!("./{n}")))
        .current_dir(dir.path())
        .env("SYSTEMD_LOG_LEVEL", "notice")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(
        verified.status.success() && said.trim().is_empty(),
        "{said}"
    );
    let service = std::fs::read_to_string(units.join("pagedesk.service")).unwrap();
    for hardening in [
        "User=pagedesk",
        "Restart=on-failure",
        "KillSignal=SIGTERM",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/pagedesk",
        "PrivateTmp=yes",
    ] {
        assert!(service.contains(hardening), "{hardening}");
    }
}

#[tokio::test]
async fn completions_and_the_manual_come_from_the_commands_themselves() {
    let world = TestWorld::start("").await;
    let bash = world.pagedesk(&["completions", "bash"]).await;
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    for command in ["backup", "restore", "orders", "serve"] {
        assert!(bash.stdout.contains(command), "{command}");
    }
    // Bash reads it without a syntax error.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pagedesk.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let man = world.pagedesk(&["man"]).await;
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH pagedesk 1"), "{}", man.stdout);
    assert!(man.stdout.contains("backup") && man.stdout.contains("restore"));
    assert!(
        man.stdout.contains("PAGEDESK_LOG_STDERR"),
        "the environment is in it"
    );
    // Installed as the README says: a page per command, the folder made if missing.
    let pages = tempfile::tempdir().unwrap();
    let man1 = pages.path().join("share/man/man1");
    let written = world.pagedesk(&["man", man1.to_str().unwrap()]).await;
    assert_eq!(written.code, 0, "{}", written.stderr);
    for page in [
        "pagedesk.1",
        "pagedesk-serve.1",
        "pagedesk-backup.1",
        "pagedesk-restore.1",
    ] {
        let text = std::fs::read_to_string(man1.join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
}

#[tokio::test]
async fn doctor_says_which_process_runs_the_engine_and_since_when() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let service = Service::start(&world);
    let start = std::time::Instant::now();
    let held = || world.store().engine_held(chrono::Utc::now()).unwrap();
    let (holder, pid, since) = loop {
        if let Some(held) = held()
            && let Some(since) = held.since
        {
            break (held.holder, held.pid, since);
        }
        assert!(start.elapsed().as_secs() < 10, "the service took no lease");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let doctor = world.pagedesk(&["doctor"]).await;
    let line = doctor
        .stdout
        .lines()
        .find(|l| l.starts_with("Sync engine:"))
        .unwrap_or_else(|| panic!("{}", doctor.stdout))
        .to_owned();
    assert!(line.contains(&format!("pid {pid} (")), "{line}");
    assert!(line.contains(" sync)"), "the service's command: {line}");
    assert!(line.contains("since "), "{line}");
    // Renewing the lease keeps the time it was taken.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let renewed = held().unwrap();
    assert_eq!(
        (renewed.holder, renewed.pid, renewed.since),
        (holder, pid, Some(since))
    );
    service.stops_cleanly(&world, libc::SIGINT).await;
}

#[tokio::test]
async fn a_file_attached_to_a_reply_not_sent_yet_comes_back_with_the_backup() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let photos = tempfile::tempdir().unwrap();
    let photo = photos.path().join("vay-do.png");
    let attached = attach_to_draft(
        &world,
        &lan,
        &photo,
        b"\x89PNG\r\n\x1a\n not really a picture, but bytes",
    );
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("pagedesk.db");
    let run = backed_up(&world, &file).await;
    assert!(
        run.stdout.contains("1 file attached") && run.stdout.contains("pagedesk.db.files"),
        "{}",
        run.stdout
    );
    let kept = backups
        .path()
        .join("pagedesk.db.files")
        .join(&attached.sha256);
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        std::fs::read(&photo).unwrap()
    );
    assert_eq!(mode(&kept), 0o600);
    // The disk with the staff's photos is gone too.
    drop(photos);
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert!(
        restored.stdout.contains("1 file attached") && restored.stdout.contains("restored-files"),
        "{}",
        restored.stdout
    );
    let store = world.store().as_staff("Mai");
    let files = store.draft_files(&lan.as_str().into()).unwrap();
    assert_eq!(files.len(), 1);
    assert!(
        files[0]
            .path
            .starts_with(world.data_dir.join("restored-files"))
    );
    assert_eq!(
        files[0].name, "vay-do.png",
        "the name the buyer sees is kept"
    );
    assert_eq!(
        pagedesk::files::OutgoingFile::check(&files[0].path)
            .unwrap()
            .sha256,
        attached.sha256,
        "the same file, ready to send"
    );
}

/// The backup unit's command as systemd runs it (its `%%` made `%`), with the directories of
/// this test: every run a new copy, the seven newest kept with their files.
#[tokio::test]
async fn the_daily_backup_keeps_the_seven_newest_copies() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    // An unsent file, so that each copy has its folder of files to go with it.
    let photos = tempfile::tempdir().unwrap();
    let photo = photos.path().join("ao.png");
    attach_to_draft(&world, &lan, &photo, b"\x89PNG\r\n\x1a\n bytes of a photo");
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("contrib/systemd/pagedesk-backup.service"),
    )
    .unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart=/bin/sh -c '"))
        .and_then(|l| l.strip_suffix('\''))
        .expect("the unit's shell command");
    let backups = tempfile::tempdir().unwrap();
    let script = exec
        .replace("%%", "%")
        .replace("/var/backups/pagedesk", backups.path().to_str().unwrap())
        .replace("/usr/local/bin/pagedesk", env!("CARGO_BIN_EXE_pagedesk"));
    let older = backups.path().join("pagedesk-20200101-000000.db");
    for run in 0..9 {
        // A copy from long ago, touched since (opened, copied about): pruned by the time in its
        // name, not the time it was last written.
        if run == 8 {
            std::fs::write(&older, b"an old copy").unwrap();
        }
        let status = tokio::process::Command::new("sh")
            .args(["-c", &script])
            .env("PAGEDESK_CONFIG", &world.config_path)
            .env("PAGEDESK_DATA_DIR", &world.data_dir)
            .status()
            .await
            .unwrap();
        assert!(status.success(), "run {run}");
        // Copies are named to the second.
        tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    }
    let mut names: Vec<String> = std::fs::read_dir(backups.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let copies = names.iter().filter(|n| n.ends_with(".db")).count();
    let folders = names.iter().filter(|n| n.ends_with(".db.files")).count();
    assert_eq!((copies, folders), (7, 7), "{names:?}");
    assert!(!older.exists(), "{names:?}");
}

#[tokio::test]
async fn a_service_may_ask_for_its_log_on_standard_error_for_the_journal() {
    let world = TestWorld::start("").await;
    let quiet = world
        .command(&["sync", "--once"])
        .env("PAGEDESK_LOG", "debug")
        .output()
        .await
        .unwrap();
    let asked = world
        .command(&["sync", "--once"])
        .env("PAGEDESK_LOG", "debug")
        .env("PAGEDESK_LOG_STDERR", "1")
        .output()
        .await
        .unwrap();
    let (quiet, asked) = (
        String::from_utf8_lossy(&quiet.stderr),
        String::from_utf8_lossy(&asked.stderr),
    );
    assert!(!quiet.contains("DEBUG"), "{quiet}");
    assert!(asked.contains("DEBUG"), "{asked}");
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    assert!(log.contains("DEBUG"), "the file has them too");
}

#[tokio::test]
async fn a_misspelt_log_level_is_said_in_the_log_and_info_is_kept_not_everything_lost() {
    let world = TestWorld::start("").await;
    for (asked, misspelt) in [("verbose", true), ("warning", true), ("WARN", false)] {
        let log = world.data_dir.join("pagedesk.log");
        let _ = std::fs::remove_file(&log);
        let run = world
            .command(&["sync", "--once"])
            .env("PAGEDESK_LOG", asked)
            .output()
            .await
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        let written = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(
            written.contains("PAGEDESK_LOG is not a level"),
            misspelt,
            "{asked}: {written}"
        );
        if misspelt {
            assert!(written.contains(&format!("asked={asked}")), "{written}");
        }
    }
}

#[tokio::test]
async fn a_file_that_is_no_pagedesk_backup_is_refused_and_the_database_kept() {
    let (world, _lan) = TestWorld::with_a_buyer("").await;
    let database = world.data_dir.join("pagedesk.db");
    let before = count(&database, "messages");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    for file in [&empty, &foreign] {
        let run = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
        assert_ne!(run.code, 0, "{file:?} restored");
        assert!(
            run.stderr.contains("not a pagedesk database"),
            "{}",
            run.stderr
        );
        assert_eq!(count(&database, "messages"), before, "the database kept");
    }
}

/// A world with a buyer and a photo attached to a draft not sent yet, backed up into a folder
/// of its own: the world, the backup, its folder.
async fn backed_up_with_a_photo() -> (TestWorld, std::path::PathBuf, tempfile::TempDir) {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let photos = world.data_dir.parent().unwrap().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let photo = photos.join("vay.png");
    attach_to_draft(&world, &lan, &photo, b"\x89PNG\r\n\x1a\n the dress");
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("copy.db");
    backed_up(&world, &file).await;
    std::fs::remove_file(&photo).unwrap();
    (world, file, backups)
}

#[tokio::test]
async fn a_crafted_backup_writes_nothing_outside_the_data_dir_and_brings_no_linked_file() {
    let (world, file, backups) = backed_up_with_a_photo().await;
    // A row whose "hash" is a path: the file it names, planted beside the backup, would be
    // written where the path leads from the data directory's restored files.
    std::fs::write(
        backups.path().join("authorized_keys"),
        b"ssh-ed25519 AAAA attacker",
    )
    .unwrap();
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch(
        "INSERT INTO draft_files (conversation_id, staff, position, path, name, mime_type,
            kind, size, sha256)
         SELECT conversation_id, staff, 1, '/gone/authorized_keys', 'k', mime_type, kind, size,
            '../authorized_keys' FROM draft_files;",
    )
    .unwrap();
    // The photo's kept copy swapped for a link to a secret.
    let sha: String = conn
        .query_row(
            "SELECT sha256 FROM draft_files WHERE position = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let secret = backups.path().join("shadow");
    std::fs::write(&secret, b"root:$6$secret").unwrap();
    std::fs::remove_file(files_beside(&file).join(&sha)).unwrap();
    std::os::unix::fs::symlink(&secret, files_beside(&file).join(&sha)).unwrap();
    let run = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !world.data_dir.join("authorized_keys").exists(),
        "nothing written where a row's name leads"
    );
    let brought: Vec<_> = std::fs::read_dir(world.data_dir.join("restored-files"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        brought.is_empty(),
        "a linked file is not brought: {brought:?}"
    );
}

fn files_beside(file: &std::path::Path) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}.files", file.display()))
}

#[tokio::test]
async fn restore_refuses_the_database_in_use_and_a_schema_changed_by_hand() {
    let (world, file, backups) = backed_up_with_a_photo().await;
    let database = world.data_dir.join("pagedesk.db");
    let before = count(&database, "messages");
    let link = backups.path().join("link.db");
    std::os::unix::fs::symlink(&database, &link).unwrap();
    let roundabout = world.data_dir.join("../data/pagedesk.db");
    for itself in [&database, &link, &roundabout] {
        let run = world.pagedesk(&["restore", itself.to_str().unwrap()]).await;
        assert_ne!(run.code, 0, "{itself:?}");
        assert_eq!(
            count(&database, "messages"),
            before,
            "{itself:?}: {}",
            run.stderr
        );
    }
    // A pipe would be waited on for ever.
    let pipe = backups.path().join("pipe.db");
    let made = std::ffi::CString::new(pipe.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(made.as_ptr(), 0o600) }, 0);
    let run = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        world.pagedesk(&["restore", pipe.to_str().unwrap()]),
    )
    .await
    .expect("a pipe is refused, not read");
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("not a file"), "{}", run.stderr);
    for change in [
        // Replies sent to another buyer from then on.
        "CREATE TRIGGER audit AFTER INSERT ON outbox BEGIN
             UPDATE outbox SET recipient_id = 'someone else' WHERE message_id = new.message_id;
         END;",
        "DROP TABLE customer_notes; CREATE VIEW customer_notes AS SELECT 1 AS id;",
        "DROP TABLE labels;",
    ] {
        let changed = backups.path().join("changed.db");
        std::fs::copy(&file, &changed).unwrap();
        rusqlite::Connection::open(&changed)
            .unwrap()
            .execute_batch(change)
            .unwrap();
        let run = world
            .pagedesk(&["restore", changed.to_str().unwrap()])
            .await;
        assert_ne!(run.code, 0, "{change}");
        assert!(run.stderr.contains("as pagedesk made it"), "{}", run.stderr);
        assert_eq!(count(&database, "messages"), before);
        std::fs::remove_file(&changed).unwrap();
    }
}

#[tokio::test]
async fn a_damaged_database_is_restored_over_kept_aside_as_it_was_and_leftovers_go() {
    let (world, file, _backups) = backed_up_with_a_photo().await;
    let database = world.data_dir.join("pagedesk.db");
    // A restore killed earlier left its incoming copy; the database is damaged (why one
    // restores).
    let left = world.data_dir.join("pagedesk.db.restoring-999999");
    std::fs::write(&left, b"half a database").unwrap();
    // And half of the photo it was bringing back.
    let sha: String = rusqlite::Connection::open(&file)
        .unwrap()
        .query_row("SELECT sha256 FROM draft_files", [], |r| r.get(0))
        .unwrap();
    let half = world.data_dir.join(format!("restored-files/{sha}.png"));
    std::fs::create_dir_all(half.parent().unwrap()).unwrap();
    std::fs::set_permissions(
        half.parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::fs::write(&half, b"\x89PNG").unwrap();
    let mut bytes = std::fs::read(&database).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4096].fill(0x5a);
    std::fs::write(&database, &bytes).unwrap();
    let run = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!left.exists(), "a killed restore's leftover is removed");
    assert_eq!(
        pagedesk::files::OutgoingFile::check(&half).unwrap().sha256,
        sha,
        "the half photo written again whole"
    );
    assert!(run.stdout.contains("1 file attached"), "{}", run.stdout);
    assert_eq!(count(&database, "messages"), count(&file, "messages"));
    let aside: Vec<_> = std::fs::read_dir(&world.data_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), bytes, "kept as it was");
}

#[tokio::test]
async fn a_backup_into_a_files_folder_already_there_is_refused_and_leaves_nothing() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let photo = world.data_dir.parent().unwrap().join("ao.png");
    attach_to_draft(&world, &lan, &photo, b"\x89PNG\r\n\x1a\n a shirt");
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("copy.db");
    // A folder someone made for it, open to all.
    std::fs::create_dir(files_beside(&file)).unwrap();
    std::fs::set_permissions(files_beside(&file), std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = world.pagedesk(&["backup", file.to_str().unwrap()]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("there already"), "{}", run.stderr);
    assert!(!file.exists(), "no copy left to be taken for a backup");
    assert_eq!(std::fs::read_dir(files_beside(&file)).unwrap().count(), 0);
}

#[tokio::test]
async fn a_reply_sent_after_the_backup_is_not_sent_again_after_the_restore() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let text = "Dạ shop chốt đơn cho chị nhé";
    reply_waiting(&world, &lan, text);
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("copy.db");
    backed_up(&world, &file).await;
    // Sent after the backup was taken, while it was waiting in it.
    world.sync().await;
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    world.sync().await;
    let sent = world
        .messages_on_facebook(&lan)
        .await
        .iter()
        .filter(|m| m["from_page"] == true && m["text"] == text)
        .count();
    assert_eq!(sent, 1, "once, not again after the restore");
    // Restored, it waits for staff, saying why, until a read of the conversation finds it on
    // Facebook: then it is the one sent, shown once.
    let messages = world.messages(&lan).await;
    let replies: Vec<_> = messages.iter().filter(|m| m["text"] == text).collect();
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(replies[0]["status"], "sent", "{}", replies[0]);
    // One still waiting when restored and never sent waits for staff, saying why.
    let second = "Dạ shop gửi thêm ảnh nhé";
    reply_waiting(&world, &lan, second);
    let file = backups.path().join("copy-2.db");
    backed_up(&world, &file).await;
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    world.sync().await;
    let messages = world.messages(&lan).await;
    let waiting = messages.iter().find(|m| m["text"] == second).unwrap();
    assert_eq!(waiting["status"], "failed", "{waiting}");
    assert!(
        waiting["error"]
            .as_str()
            .unwrap()
            .contains("may have gone out since"),
        "{waiting}"
    );
}

#[tokio::test]
async fn a_backup_that_fails_copying_its_files_leaves_neither_copy_nor_folder() {
    use std::os::unix::process::CommandExt;
    let (world, lan) = TestWorld::with_a_buyer("").await;
    // A photo larger than the disk has room for, once the database is copied.
    let photo = world.data_dir.parent().unwrap().join("ao.png");
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(3 * 1024 * 1024, 7);
    attach_to_draft(&world, &lan, &photo, &bytes);
    let size = std::fs::metadata(world.data_dir.join("pagedesk.db"))
        .unwrap()
        .len()
        + std::fs::metadata(world.data_dir.join("pagedesk.db-wal")).map_or(0, |m| m.len());
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("pagedesk-20261203.db");
    let mut command = world.command(&["backup", file.to_str().unwrap()]);
    let limit = (size * 2).max(2 * 1024 * 1024) as libc::rlim_t;
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child before exec.
    unsafe {
        command.as_std_mut().pre_exec(move || {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let run = common::Run::from(command.output().await.unwrap());
    assert_ne!(run.code, 0, "{}", run.stdout);
    let left: Vec<_> = std::fs::read_dir(backups.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "nothing left behind: {left:?} ({})",
        run.stderr
    );
    // A backup killed (SIGKILL, a power cut) leaves its copy half written, its journal and its
    // files: the next backup into the folder removes them, and nothing of another program's.
    let killed = backups
        .path()
        .join("pagedesk-20261202.db.pagedesk-partial-2147483646");
    std::fs::write(&killed, b"SQLite format 3\0 half of it").unwrap();
    let journal = backups
        .path()
        .join("pagedesk-20261202.db.pagedesk-partial-2147483646-journal");
    std::fs::write(&journal, [0u8; 512]).unwrap();
    let its_files = backups.path().join("pagedesk-20261202.db.files");
    std::fs::create_dir(&its_files).unwrap();
    std::fs::write(its_files.join("abc"), b"a photo").unwrap();
    // Killed before SQLite wrote its first page: zeros where the header goes.
    let unwritten = backups
        .path()
        .join("pagedesk-20261201.db.pagedesk-partial-2147483645");
    std::fs::write(&unwritten, [0u8; 4096]).unwrap();
    // Another program's, named after its own rule: kept, whatever it holds.
    let someone_elses = backups.path().join("shop.db.partial-2147483646");
    std::fs::write(&someone_elses, b"SQLite format 3\0 another program's").unwrap();
    std::fs::remove_file(&photo).unwrap();
    backed_up(&world, &file).await;
    assert!(!killed.exists() && !journal.exists() && !its_files.exists() && !unwritten.exists());
    assert!(someone_elses.exists(), "not pagedesk's to remove");
}

#[tokio::test]
async fn a_backup_from_an_earlier_pagedesk_is_restored_and_brought_up_to_date() {
    let (world, _lan) = TestWorld::with_a_buyer("").await;
    let earlier = database_of_schema(MIGRATIONS.len() - 1);
    let file = earlier.path().join("pagedesk.db");
    let run = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listed = world.pagedesk(&["conversations"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.contains("Nguyễn Thị Lan"),
        "{}",
        listed.stdout
    );
    // The oldest schema with conversations too; the first one (nothing but its start) is none.
    let oldest = database_of_schema(2);
    let file = oldest.path().join("pagedesk.db");
    let run = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[tokio::test]
async fn restored_files_go_into_no_folder_open_to_others() {
    let (world, file, _backups) = backed_up_with_a_photo().await;
    let restored = world.data_dir.join("restored-files");
    std::fs::create_dir(&restored).unwrap();
    std::fs::set_permissions(&restored, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "the restore itself goes: {}", run.stderr);
    assert_eq!(std::fs::read_dir(&restored).unwrap().count(), 0);
    assert!(!run.stdout.contains("brought back"), "{}", run.stdout);
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    assert!(log.contains("was not brought back"), "said in the log");
}

/// The fourth pass's case: a reply waiting in the backup, sent after it, and more messages
/// since than Facebook shows in full: the database the restore replaces knew it was sent.
#[tokio::test]
async fn a_reply_sent_after_the_backup_and_buried_since_is_known_sent_after_the_restore() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let text = "Dạ đơn của chị đã gửi đi rồi ạ";
    reply_waiting(&world, &lan, text);
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("copy.db");
    backed_up(&world, &file).await;
    world.sync().await;
    for i in 1..=22 {
        world
            .buyer_writes(0, "Nguyễn Thị Lan", &format!("hỏi thêm {i}"), "inbox", 0)
            .await;
    }
    world.sync().await;
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    world.sync().await;
    let on_facebook = world
        .messages_on_facebook(&lan)
        .await
        .iter()
        .filter(|m| m["from_page"] == true && m["text"] == text)
        .count();
    assert_eq!(on_facebook, 1);
    let messages = world.messages(&lan).await;
    let replies: Vec<_> = messages.iter().filter(|m| m["text"] == text).collect();
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let id = &replies[0]["id"];
    assert_eq!(
        messages.iter().filter(|m| m["id"] == *id).count(),
        1,
        "no second row for it (a stand-in of Facebook's copy): {messages:#?}"
    );
    assert_eq!(replies[0]["status"], "sent", "{}", replies[0]);
}
