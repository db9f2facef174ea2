//! A real IMAP server for the mailbox tests: Debian's Dovecot started as a child process with a
//! configuration of its own in a temp folder (its own port on 127.0.0.1, one user in a
//! passwd-file, a maildir, plain sign-in without TLS on loopback, its runtime files and log in
//! the folder, no chroot, so it runs as root or as any user; nothing of the system's Dovecot is
//! used). Mail is delivered with `doveadm save`,
//! as Dovecot's own delivery does.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use crate::helpers::free_port;

/// The mailbox's user and password.
pub const USER: &str = "bo@seller.example";
pub const PASSWORD: &str = "imap-secret-9";

/// A running Dovecot, stopped when dropped.
pub struct Dovecot {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

fn dovecot_path() -> PathBuf {
    let path = std::env::var("OCC_DOVECOT").map_or_else(|_| PathBuf::from("/usr/sbin/dovecot"), PathBuf::from);
    assert!(
        path.exists(),
        "the mailbox sync tests need Dovecot ({} is missing): run `cargo xtask ci` once as root, or \
         `apt-get install dovecot-imapd` (or set OCC_DOVECOT to the dovecot binary)",
        path.display()
    );
    path
}

fn doveadm_path() -> PathBuf {
    let beside = dovecot_path().with_file_name("doveadm");
    if beside.exists() { beside } else { PathBuf::from("/usr/bin/doveadm") }
}

/// The user and group the mail is kept as: `nobody` when the tests run as root (Dovecot refuses
/// mail for root), else the current user, whose names Dovecot's own processes then run as.
fn mail_owner(dir: &Path) -> (u32, u32, Option<(String, String)>) {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(dir).expect("the temp folder");
    if meta.uid() == 0 {
        return (65_534, 65_534, None);
    }
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().expect("id runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    (meta.uid(), meta.gid(), Some((id("-un"), id("-gn"))))
}

impl Dovecot {
    /// Starts Dovecot on a free port, with an empty INBOX for [`USER`].
    pub fn start() -> Self {
        let dovecot = dovecot_path();
        let dir = tempfile::tempdir().expect("a temp folder");
        let root = dir.path();
        let mail = root.join("mail");
        std::fs::create_dir_all(&mail).expect("the mail folder");
        let (uid, gid, user) = mail_owner(root);
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("an open temp folder");
        std::os::unix::fs::chown(&mail, Some(uid), Some(gid)).expect("the mail folder owned by the mail user");
        std::fs::write(
            root.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}::\n", mail.join("bo").display()),
        )
        .expect("the passwd file");
        for _ in 0..5 {
            let port = free_port();
            let config = root.join("dovecot.conf");
            std::fs::write(&config, config_text(root, port, user.as_ref())).expect("the configuration");
            let mut child = Command::new(&dovecot)
                .args(["-F", "-c"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("dovecot starts");
            if listening(&mut child, port) {
                return Self { port, dir, child };
            }
            // Another process took the port first: try another.
        }
        panic!(
            "dovecot did not start; its log: {}",
            std::fs::read_to_string(root.join("dovecot.log")).unwrap_or_default()
        );
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    /// Delivers a raw message to the INBOX.
    pub fn deliver(&self, raw: &str) {
        let mut child = Command::new(doveadm_path())
            .arg("-c")
            .arg(self.config())
            .args(["save", "-u", USER, "-m", "INBOX"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("doveadm starts");
        child.stdin.take().expect("stdin").write_all(raw.as_bytes()).expect("the message written");
        let out = child.wait_with_output().expect("doveadm ends");
        assert!(out.status.success(), "doveadm save failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Gives the INBOX a new UIDVALIDITY (as a server does when it rebuilds a mailbox).
    pub fn change_uidvalidity(&self, uidvalidity: u32) {
        self.doveadm(&["mailbox", "update", "--uid-validity", &uidvalidity.to_string(), "-u", USER, "INBOX"]);
    }

    /// The flags of every message of the INBOX, one line each.
    pub fn flags(&self) -> String {
        self.doveadm(&["fetch", "-u", USER, "flags", "mailbox", "INBOX", "all"])
    }

    fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new(doveadm_path()).arg("-c").arg(self.config()).args(args).output().expect("doveadm runs");
        assert!(out.status.success(), "doveadm {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Waits until `child` listens on `port` (true), or has ended (false: the port was taken).
fn listening(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().expect("dovecot's state").is_some() {
            return false;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        assert!(Instant::now() < deadline, "dovecot did not start listening on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // A TERM lets the master stop its own processes; then it is waited for.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

/// A configuration that uses nothing of the system's: everything under `root`.
fn config_text(root: &Path, port: u16, user: Option<&(String, String)>) -> String {
    let root = root.display();
    let users = user.map_or_else(String::new, |(u, g)| {
        format!("default_login_user = {u}\ndefault_internal_user = {u}\ndefault_internal_group = {g}\n")
    });
    format!(
        "protocols = imap\n\
         listen = 127.0.0.1\n\
         base_dir = {root}/run\n\
         state_dir = {root}/state\n\
         log_path = {root}/dovecot.log\n\
         ssl = no\n\
         disable_plaintext_auth = no\n\
         auth_mechanisms = plain login\n\
         auth_failure_delay = 0\n\
         first_valid_uid = 1\n\
         mail_location = maildir:~/Maildir\n\
         mail_fsync = never\n\
         {users}\
         passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {root}/passwd\n}}\n\
         userdb {{\n  driver = passwd-file\n  args = {root}/passwd\n}}\n\
         service anvil {{\n  chroot =\n}}\n\
         service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  \
           inet_listener imaps {{\n    port = 0\n  }}\n}}\n"
    )
}
