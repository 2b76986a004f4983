//! A full disk: the write fails with a clear message naming the page, nothing stored is lost or
//! damaged, and the next run with room completes. The disk is made "full" with a file size
//! limit on the process (RLIMIT_FSIZE), which needs no privileges. A nearly full one is said
//! before: its floor is raised above what the disk has free (`PAGEDESK_MIN_FREE_MB`).

use crate::common;

use std::os::unix::process::CommandExt;

use common::{Run, Service, TestWorld};
use serde_json::json;

/// `pagedesk sync --once` on the world, as a std command so that `pre_exec` can limit it.
fn sync_once(world: &TestWorld) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pagedesk"));
    command
        .arg("--config")
        .arg(&world.config_path)
        .arg("--data-dir")
        .arg(&world.data_dir)
        .args(["sync", "--once"]);
    command
}

/// The disk as full for `command` past `limit` bytes in a file.
fn no_file_past(command: &mut std::process::Command, limit: libc::rlim_t) {
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child before exec.
    unsafe {
        command.pre_exec(move || {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[tokio::test]
async fn a_backup_onto_a_full_disk_says_so_of_the_copy_and_leaves_none_behind() {
    let world = TestWorld::start("backfill_conversations = 5000").await;
    let page = world.page(0).to_owned();
    world.control.generate(&page, 500, 4, 0).await.unwrap();
    world.sync().await;
    let database = world.data_dir.join("pagedesk.db");
    let size = std::fs::metadata(&database).unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let mut command = world.command(&["backup", copy.to_str().unwrap()]);
    no_file_past(command.as_std_mut(), size / 2);
    let run = Run::from(command.output().await.unwrap());
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains(copy.to_str().unwrap()) && run.stderr.contains("its disk"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("nothing stored was lost"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("disk I/O error").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        !copy.exists(),
        "a half copy is not left to be taken for a backup"
    );
    let store = world.store();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    assert_eq!(store.filter_counts(None).unwrap().all, 500);
}

#[tokio::test]
async fn a_full_disk_fails_clearly_and_loses_nothing() {
    let world = TestWorld::start("backfill_conversations = 5000").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 60)
        .await;
    world.sync().await;
    let page = world.page(1).to_owned();
    world.control.generate(&page, 2000, 4, 0).await.unwrap();

    let mut command = sync_once(&world);
    no_file_past(&mut command, 300 * 1024);
    let output = tokio::process::Command::from(command)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains(&page))
        .unwrap_or_default();
    assert!(
        line.contains("cannot write to the disk") || line.contains("disk is full"),
        "{stderr}"
    );

    let store = world.store();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    let kept = world.conversations(&["--page", world.page(0)]).await;
    let kept = kept[0]["id"].as_str().unwrap();
    assert_eq!(
        world.messages(kept).await.len(),
        1,
        "what was stored before is intact"
    );
    drop(store);

    let run = world.sync().await;
    let store = world.store();
    assert_eq!(
        store.filter_counts(Some(&(&page).into())).unwrap().all,
        2000,
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[tokio::test]
async fn a_read_only_data_dir_fails_clearly_and_damages_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let world = TestWorld::start("").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 60)
        .await;
    world.sync().await;
    world
        .buyer_writes(0, "Trần Văn Minh", "Áo còn không?", "inbox", 0)
        .await;

    // The data dir and its files belong to the user running pagedesk and are read-only to
    // them: as root (who writes through any permission) that user is `nobody`.
    let root = unsafe { libc::geteuid() } == 0;
    let nobody: libc::uid_t = 65534;
    std::fs::set_permissions(world.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let owner_to = |uid: libc::uid_t| {
        for path in std::fs::read_dir(&world.data_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .chain([world.data_dir.clone(), world.config_path.clone()])
        {
            let path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::chown(path.as_ptr(), uid, uid) }, 0);
        }
    };
    if root {
        owner_to(nobody);
    }
    for entry in std::fs::read_dir(&world.data_dir).unwrap() {
        std::fs::set_permissions(
            entry.unwrap().path(),
            std::fs::Permissions::from_mode(0o400),
        )
        .unwrap();
    }
    std::fs::set_permissions(&world.data_dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let mut command = sync_once(&world);
    if root {
        // SAFETY: setgid/setuid are async-signal-safe; nothing else runs before exec.
        unsafe {
            command.pre_exec(move || {
                if libc::setgid(nobody) != 0 || libc::setuid(nobody) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let output = tokio::process::Command::from(command)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    let data_dir = world.data_dir.display().to_string();
    assert!(
        stderr.contains("read-only: check the permissions") && stderr.contains(&data_dir),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.matches(&data_dir).count(),
        1,
        "an unwritable data dir is said once:\n{stderr}"
    );

    std::fs::set_permissions(&world.data_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(&world.data_dir).unwrap() {
        std::fs::set_permissions(
            entry.unwrap().path(),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    if root {
        owner_to(0);
    }
    let store = world.store();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    assert_eq!(
        store.filter_counts(None).unwrap().all,
        1,
        "what was stored is intact"
    );
    drop(store);
    world.sync().await;
    assert_eq!(
        world.conversations(&[]).await.len(),
        2,
        "writable again, it catches up"
    );
}

#[tokio::test]
async fn a_nearly_full_disk_is_said_by_doctor_and_the_service_and_the_log_stops_first() {
    let world = TestWorld::start("interval = \"1s\"").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 60)
        .await;
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(doctor.stdout.contains("Disk: "), "{}", doctor.stdout);
    assert!(!doctor.stdout.contains("PROBLEM"), "{}", doctor.stdout);
    assert_eq!(doctor.code, 0, "{}", doctor.stdout);
    // A floor above what any disk has free (10^12 MB): as a disk that is nearly full.
    let floor = ("PAGEDESK_MIN_FREE_MB", "1000000000000");
    let doctor = world.command(&["doctor"]).env(floor.0, floor.1).output();
    let doctor = Run::from(doctor.await.unwrap());
    let dir = world.data_dir.display().to_string();
    let line = doctor
        .stdout
        .lines()
        .find(|l| l.starts_with("Disk: PROBLEM: only"))
        .unwrap_or_else(|| panic!("{}", doctor.stdout));
    assert!(line.contains(&dir), "{line}");
    assert!(line.contains("below 976562500.0 GB"), "{line}");
    assert_eq!(doctor.code, 1);
    // Page 1 failing: each cycle logs a warning, as the first run shows.
    world
        .fault_page_lists(
            1,
            1000,
            json!({ "kind": "http", "http_status": 503, "body": "busy" }),
        )
        .await;
    world.pagedesk(&["sync", "--once"]).await;
    let log_path = world.data_dir.join("pagedesk.log");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("page sync failed"), "{log}");
    // The service says the disk is nearly full at start; the log says it stops, and stops,
    // while the database still takes what the sync brings.
    let mut command = world.command(&["sync"]);
    command.env(floor.0, floor.1);
    let service = Service::spawn(command);
    let start = std::time::Instant::now();
    while !service.said("free some space") {
        let output = service.output.lock().unwrap().clone();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{output}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(service.said(&format!("on the disk of {dir}")));
    let start = std::time::Instant::now();
    while world.conversations(&[]).await.is_empty() {
        let waited = start.elapsed();
        assert!(
            waited < std::time::Duration::from_secs(20),
            "nothing stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Cycles of page 1 failing meanwhile, not logged.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    let stops = log
        .rfind("the log stops")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(log[stops..].lines().count(), 1, "{log}");
}
