//! A throw-away PostgreSQL with PostGIS for the tests: `initdb` in a temporary folder, the
//! server on a free port of 127.0.0.1 with password (SCRAM) authentication, PostGIS created,
//! stopped and removed when dropped. Run as root (as CI does), the server runs as the
//! `postgres` system user, as PostgreSQL requires. Needs Debian's `postgresql-15` and
//! `postgresql-15-postgis-3` (`.ci/run` installs them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub const USER: &str = "portolan";
pub const PASSWORD: &str = "s3cret-for-tests";

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The newest installed PostgreSQL whose share folder has PostGIS.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql").map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect()).unwrap_or_default();
    versions.sort_unstable();
    versions
        .into_iter()
        .rev()
        .find(|v| Path::new(&format!("/usr/share/postgresql/{v}/extension/postgis.control")).exists())
        .map(|v| PathBuf::from(format!("/usr/lib/postgresql/{v}/bin")))
        .expect("PostgreSQL with PostGIS is installed (Debian: apt-get install postgresql-15 postgresql-15-postgis-3)")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the server's user.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Pg {
    pub fn start() -> Pg {
        let bin = bin_dir();
        let dir = tempfile::Builder::new().prefix("portolan-pg").tempdir().unwrap();
        if is_root() {
            let uid = Command::new("id").args(["-u", "postgres"]).output().unwrap();
            let uid: u32 = String::from_utf8_lossy(&uid.stdout).trim().parse().expect("the postgres system user exists");
            std::os::unix::fs::chown(dir.path(), Some(uid), None).unwrap();
        }
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if is_root() {
            let _ = Command::new("chown").arg("postgres").arg(&pwfile).status();
        }
        let out = as_server_user(&bin.join("initdb"))
            .arg("-D")
            .arg(dir.path().join("data"))
            .args(["-A", "scram-sha-256", "-U", USER, "-E", "UTF8", "--no-instructions", "--pwfile"])
            .arg(&pwfile)
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let pg = Pg { dir, bin, port: free_port() };
        pg.run_server();
        let mut c = pg.connect();
        c.execute_batch("CREATE EXTENSION postgis").unwrap();
        pg
    }

    fn run_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let out = as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .args(["-w", "start"])
            .output()
            .unwrap();
        assert!(out.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Makes the server take encrypted connections only (a self-signed certificate made with
    /// `openssl`, `hostssl` lines in pg_hba.conf), and restarts it.
    pub fn require_tls(&self) {
        let data = self.dir.path().join("data");
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout"])
            .arg(data.join("server.key"))
            .arg("-out")
            .arg(data.join("server.crt"))
            .output()
            .expect("openssl is installed");
        assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::write(data.join("pg_hba.conf"), "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n").unwrap();
        let mut conf = std::fs::OpenOptions::new().append(true).open(data.join("postgresql.conf")).unwrap();
        std::io::Write::write_all(&mut conf, b"\nssl = on\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
        if is_root() {
            let _ = Command::new("chown").arg("postgres").arg(data.join("server.key")).arg(data.join("server.crt")).arg(data.join("pg_hba.conf")).status();
        }
        self.restart();
    }

    /// Stops the server at once (connections are cut), as a crash or a restart does.
    pub fn stop(&self) {
        let _ = as_server_user(&self.bin.join("pg_ctl")).arg("-D").arg(self.dir.path().join("data")).args(["-m", "immediate", "-w", "stop"]).output();
    }

    /// Starts it again on the same port.
    pub fn restart(&self) {
        self.stop();
        self.run_server();
    }

    pub fn url(&self) -> String {
        format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{}/postgres", self.port)
    }

    pub fn connect(&self) -> portolan::db::Connection {
        portolan::db::connect(&self.url(), std::time::Duration::from_secs(20)).unwrap()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
    }
}
