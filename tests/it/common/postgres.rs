//! A PostgreSQL of the tests' own: `initdb` into a temp dir and a server on a unix socket and a
//! loopback port, run as a user that is not root, stopped and removed when the tests end (and
//! stopped if they die: its parent-death signal). `PAGEDESK_TEST_DATABASE_URL` names one to
//! use instead. Each test gets a database of its own.
//!
//! On a machine without PostgreSQL, the tests that need it say so in one line and pass; with
//! `PAGEDESK_TESTS_NEED_POSTGRES=1` (CI) they fail instead.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Where the server is.
pub struct Server {
    /// `postgres://…` of its first database, as the superuser; another database's URL is
    /// made by [`Server::url`].
    admin: String,
    /// The socket directory and loopback port of a server of our own (`None`: one given).
    own: Option<(PathBuf, u16)>,
    /// The CA that signed our own server's certificate, when it speaks TLS (`openssl` made
    /// them).
    ca: Option<PathBuf>,
}

/// The user the server runs as, when the tests run as root (PostgreSQL refuses root).
const NOBODY: libc::uid_t = 65534;

/// The server started (or found) once for every test; `None` when there is none to use.
fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("PAGEDESK_TEST_DATABASE_URL") {
                return Some(Server {
                    admin: url,
                    own: None,
                    ca: None,
                });
            }
            let found = bin_dir();
            let Some(bin) = found else {
                assert!(
                    std::env::var_os("PAGEDESK_TESTS_NEED_POSTGRES").is_none(),
                    "PostgreSQL's server programs (initdb, postgres) are not installed, and this run needs them"
                );
                // Past the tests' capture of their output: said once, seen in every run.
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    b"PostgreSQL not found (no initdb): the tests on PostgreSQL are skipped\n",
                );
                return None;
            };
            Some(start(&bin))
        })
        .as_ref()
}

/// The directory of `initdb` and `postgres`: Debian's newest, else `pg_config`'s.
fn bin_dir() -> Option<PathBuf> {
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    debian.sort_by_key(|bin| {
        bin.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    debian.pop().or_else(|| {
        let output = std::process::Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()?;
        let bin = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
        bin.join("initdb").is_file().then_some(bin)
    })
}

/// What the exit hook stops and removes.
static RUNNING: Mutex<Option<(libc::pid_t, PathBuf)>> = Mutex::new(None);

extern "C" fn stop_at_exit() {
    if let Ok(mut running) = RUNNING.lock()
        && let Some((pid, dir)) = running.take()
    {
        // SAFETY: kill(2) and waitpid(2) of the server this process started.
        unsafe {
            libc::kill(pid, libc::SIGQUIT);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `command` run as `nobody` when the tests run as root, and stopped if the thread that
/// started it ends (which is kept for the whole run).
fn as_server_user(command: &mut std::process::Command) {
    let root = unsafe { libc::geteuid() } == 0;
    // SAFETY: setgid, setuid and prctl are async-signal-safe; nothing else runs before exec.
    unsafe {
        command.pre_exec(move || {
            if root && (libc::setgid(NOBODY) != 0 || libc::setuid(NOBODY) != 0) {
                return Err(std::io::Error::last_os_error());
            }
            // After setuid, which clears it.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
            Ok(())
        });
    }
}

fn chown_to_server_user(path: &Path) {
    if unsafe { libc::geteuid() } == 0 {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::chown(c.as_ptr(), NOBODY, NOBODY) }, 0);
    }
}

/// Servers' folders left by test runs that were killed (their server died with them).
fn remove_left_behind() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("pagedesk-pg-")
            .and_then(|p| p.parse().ok())
        else {
            continue;
        };
        // SAFETY: kill(2) with signal 0 only asks whether the process is there.
        if unsafe { libc::kill(pid, 0) } != 0 {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn start(bin: &Path) -> Server {
    remove_left_behind();
    let dir = std::env::temp_dir().join(format!("pagedesk-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("socket")).unwrap();
    for path in [dir.clone(), dir.join("socket")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
        chown_to_server_user(&path);
    }
    let data = dir.join("data");
    let mut initdb = std::process::Command::new(bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "pagedesk", "--auth=trust", "--no-sync", "-E", "UTF8"])
        .args(["--locale=C.UTF-8"]);
    as_server_user(&mut initdb);
    let made = initdb.output().expect("initdb runs");
    assert!(
        made.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    // A password for the role `secret`, over TCP: the tests of PGPASSWORD and .pgpass.
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\n\
         host all secret 127.0.0.1/32 scram-sha-256\n\
         host all all 127.0.0.1/32 trust\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let socket = dir.join("socket");
    let tls = certificates(&dir);
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    chown_to_server_user(&dir.join("server.log"));
    let (started, pid) = std::sync::mpsc::channel();
    let (server_bin, data_dir, socket_dir) = (bin.join("postgres"), data.clone(), socket.clone());
    let tls_settings: Vec<String> = match &tls {
        Some(_) => vec![
            "-c".into(),
            "ssl=on".into(),
            "-c".into(),
            format!("ssl_cert_file={}", dir.join("server.crt").display()),
            "-c".into(),
            format!("ssl_key_file={}", dir.join("server.key").display()),
        ],
        None => Vec::new(),
    };
    // The server's parent thread lives as long as the server (waiting for it), so that its
    // death signal comes when the tests end, not when one test's thread does.
    std::thread::spawn(move || {
        let mut postgres = std::process::Command::new(server_bin);
        postgres
            .arg("-D")
            .arg(&data_dir)
            .arg("-k")
            .arg(&socket_dir)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .args(["-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=300"])
            .args(tls_settings)
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        as_server_user(&mut postgres);
        let mut child = postgres.spawn().expect("postgres starts");
        started.send(child.id() as libc::pid_t).unwrap();
        let _ = child.wait();
    });
    let pid = pid.recv().unwrap();
    *RUNNING.lock().unwrap() = Some((pid, dir.clone()));
    // SAFETY: registering a plain extern "C" function.
    unsafe { libc::atexit(stop_at_exit) };
    // Its socket comes before it takes connections ("the database system is starting up"):
    // it is ready when pg_isready says so.
    let ready = || {
        std::process::Command::new(bin.join("pg_isready"))
            .arg("-h")
            .arg(&socket)
            .args(["-p", &port.to_string(), "-U", "pagedesk", "-q"])
            .status()
            .is_ok_and(|s| s.success())
    };
    let start = std::time::Instant::now();
    while !ready() {
        assert!(
            start.elapsed().as_secs() < 30,
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Server {
        admin: format!(
            "postgres://pagedesk@/postgres?host={}&port={port}",
            socket.display()
        ),
        own: Some((socket, port)),
        ca: tls,
    }
}

/// A CA and a certificate it signed for 127.0.0.1, in `dir`, the key readable by the server's
/// user alone; the CA's certificate. `None` without `openssl`.
fn certificates(dir: &Path) -> Option<PathBuf> {
    let openssl = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let made = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=pagedesk test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]) && openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]) && {
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
        )
        .is_ok()
    } && openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ]);
    if !made {
        return None;
    }
    for file in ["server.key", "server.crt"] {
        std::fs::set_permissions(dir.join(file), std::fs::Permissions::from_mode(0o600)).ok()?;
        chown_to_server_user(&dir.join(file));
    }
    Some(dir.join("ca.crt"))
}

impl Server {
    /// The URL of `database` on this server, over its unix socket.
    pub fn url(&self, database: &str) -> String {
        let (head, query) = self.admin.split_once('?').unwrap_or((&self.admin, ""));
        let base = head.rsplit_once('/').map_or(head, |(base, _)| base);
        match query {
            "" => format!("{base}/{database}"),
            query => format!("{base}/{database}?{query}"),
        }
    }

    /// The URL of `database` over loopback TCP as `user`, with `settings` after `?`.
    pub fn tcp_url(&self, user: &str, database: &str, settings: &str) -> Option<String> {
        let (_, port) = self.own.as_ref()?;
        Some(format!(
            "postgres://{user}@127.0.0.1:{port}/{database}?{settings}"
        ))
    }

    /// The CA our own server's certificate is signed by, when it speaks TLS.
    pub fn ca(&self) -> Option<&Path> {
        self.ca.as_deref()
    }

    /// Runs `sql` on the server's first database, as the superuser.
    pub async fn admin(&self, sql: &str) {
        let target = pagedesk::store::postgres::Target::parse(&self.admin).unwrap();
        let client = target.connect().await.unwrap();
        client.batch_execute(sql).await.unwrap();
    }
}

/// A new, empty database on the tests' PostgreSQL and its URL, with the server; `None` (said
/// once) when there is no PostgreSQL to use.
pub async fn fresh_database() -> Option<(&'static Server, String)> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = server()?;
    let name = format!(
        "pagedesk_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    server.admin(&format!("CREATE DATABASE {name}")).await;
    Some((server, server.url(&name)))
}

/// A client of the database at `url`.
pub async fn client(url: &str) -> tokio_postgres::Client {
    pagedesk::store::postgres::Target::parse(url)
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// How many rows `table` has in the database at `url`.
pub async fn count(url: &str, table: &str) -> i64 {
    client(url)
        .await
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// A way to the tests' own server that a test can cut and mend, as a network or a server going
/// down would: a unix socket of its own, each connection through it carried to the server's.
pub struct Link {
    dir: tempfile::TempDir,
    port: u16,
    server_socket: PathBuf,
    /// The task accepting connections and those carrying them: aborted, the link is cut.
    running: std::sync::Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    /// Frozen, nothing is carried either way, and nothing is closed: a server whose machine is
    /// paused, its kernel still taking every packet.
    frozen: std::sync::Arc<AtomicBool>,
}

impl Link {
    /// A link to the tests' own server, up; `None` when the server is not the tests' own.
    pub fn to_own_server() -> Option<Link> {
        let (socket_dir, port) = server()?.own.clone()?;
        let link = Link {
            dir: tempfile::tempdir().unwrap(),
            port,
            server_socket: socket_dir.join(format!(".s.PGSQL.{port}")),
            running: Default::default(),
            frozen: Default::default(),
        };
        link.mend();
        Some(link)
    }

    /// `url` (a database of the tests' server) through this link.
    pub fn url(&self, url: &str) -> String {
        let (head, _) = url.split_once('?').unwrap_or((url, ""));
        format!(
            "{head}?host={}&port={}",
            self.dir.path().display(),
            self.port
        )
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join(format!(".s.PGSQL.{}", self.port))
    }

    /// Up again: new connections reach the server.
    pub fn mend(&self) {
        let _ = std::fs::remove_file(self.socket());
        let listener = tokio::net::UnixListener::bind(self.socket()).unwrap();
        let (server, running) = (self.server_socket.clone(), self.running.clone());
        let frozen = self.frozen.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (server, frozen) = (server.clone(), frozen.clone());
                let carrying = tokio::spawn(async move {
                    if let Ok(to) = tokio::net::UnixStream::connect(&server).await {
                        let (from_client, to_client) = client.into_split();
                        let (from_server, to_server) = to.into_split();
                        tokio::join!(
                            carry(from_client, to_server, frozen.clone()),
                            carry(from_server, to_client, frozen)
                        );
                    }
                });
                running.lock().unwrap().push(carrying);
            }
        });
        self.running.lock().unwrap().push(accepting);
    }

    /// Frozen: whatever is sent either way waits, nothing is closed.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// Thawed: what waited goes on, as a paused machine continued.
    pub fn thaw(&self) {
        self.frozen.store(false, Ordering::SeqCst);
    }

    /// Down: no connection reaches the server, and those open are broken.
    pub fn cut(&self) {
        for task in self.running.lock().unwrap().drain(..) {
            task.abort();
        }
        let _ = std::fs::remove_file(self.socket());
    }
}

/// Carries what `from` sends to `to`, holding it while the link is frozen.
async fn carry(
    mut from: tokio::net::unix::OwnedReadHalf,
    mut to: tokio::net::unix::OwnedWriteHalf,
    frozen: std::sync::Arc<AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0; 16 * 1024];
    while let Ok(read) = from.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
