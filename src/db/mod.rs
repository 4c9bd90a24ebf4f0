//! PostGIS as a data source: tables and views with a geometry column opened as layers read
//! per view. A blocking client (the `postgres` crate) for worker threads and the command line;
//! every statement runs under a `statement_timeout`, a stale one can be cancelled from another
//! thread ([`Connection::canceller`]), and only what a view shows is asked for:
//!
//! * the rows whose geometry's box meets the view's (`geom && ST_MakeEnvelope(…)`, two boxes
//!   across the antimeridian), read through a cursor in batches, up to a limit;
//! * simplified on the server to the view's pixel size when zoomed out (`ST_Simplify`, tiny
//!   shapes kept);
//! * a table's extent from `ST_EstimatedExtent` (the planner's statistics), never from a scan
//!   of the whole table, and never a full `count(*)`;
//! * a time column filtered on the server (the timeline).
//!
//! Connections are encrypted (TLS, rustls) when the server offers it, as libpq's default
//! `sslmode=prefer` does; `?sslmode=require` refuses a server without, `disable` turns it off.
//!
//! Geometries come back as WKB (decoded by the georust `wkb` crate); the other columns as one
//! JSON object per row (`to_jsonb`), which become the features' properties. Names of schemas,
//! tables and columns are always quoted as identifiers, values always sent as parameters.

pub mod ais;
pub mod cases;

use std::time::Duration;

use geo_traits::to_geo::ToGeoGeometry;
use serde_json::Value;

use crate::model::{Feature, Layer};

/// Rows fetched per round trip of the cursor.
const BATCH_ROWS: i32 = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    #[error("the database refused the user name or password: {0}")]
    Refused(String),
    #[error("the query was cancelled or ran past the time limit")]
    Cancelled,
    #[error("the database says: {0}")]
    Query(String),
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        match e.code() {
            Some(c) if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => DbError::Refused(message(&e)),
            Some(c) if *c == SqlState::QUERY_CANCELED => DbError::Cancelled,
            Some(_) => DbError::Query(message(&e)),
            // No SQL state: the connection itself failed (refused, reset, closed, timed out).
            None => DbError::Unreachable(e.to_string()),
        }
    }
}

fn message(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned())
}

/// An open connection.
pub struct Connection {
    client: postgres::Client,
}

/// Cancels the statement a [`Connection`] is running, from any thread.
#[derive(Clone)]
pub struct Canceller(postgres::CancelToken);

impl Canceller {
    pub fn cancel(&self) {
        let _ = self.0.cancel_query(tls());
    }
}

/// TLS as libpq's `sslmode=prefer` (the default: encrypted when the server offers it) and
/// `sslmode=require` (refused when it does not) do it: the connection is encrypted and the
/// server's handshake signatures checked, but its certificate is not checked against an
/// authority, since most servers run on a self-signed one (Debian's default). `sslmode=disable`
/// turns it off.
fn tls() -> tokio_postgres_rustls::MakeRustlsConnect {
    use std::sync::Arc;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(Unverified(provider.clone()));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tokio_postgres_rustls::MakeRustlsConnect::new(config)
}

/// Accepts the server's certificate as libpq does below `verify-ca`; still checks that the
/// server holds the certificate's key (the handshake signatures).
#[derive(Debug)]
struct Unverified(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Connects to `url` (`postgres://user:password@host:port/db`, or `""` for the `PG*`
/// environment variables alone), with `timeout` for the connection and for each statement.
pub fn connect(url: &str, timeout: Duration) -> Result<Connection, DbError> {
    let mut config: postgres::Config = if url.trim().is_empty() {
        postgres::Config::new()
    } else {
        url.parse().map_err(|e: postgres::Error| DbError::Usage(format!("not a database address ({e}): use postgres://user@host/database")))?
    };
    // The PG* variables fill what the address leaves out, as psql does.
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        config.host(&var("PGHOST").unwrap_or_else(|| "localhost".into()));
    }
    if config.get_ports().is_empty()
        && let Some(p) = var("PGPORT").and_then(|p| p.parse().ok())
    {
        config.port(p);
    }
    if config.get_user().is_none() {
        config.user(&var("PGUSER").or_else(|| var("USER")).unwrap_or_else(|| "postgres".into()));
    }
    if config.get_dbname().is_none()
        && let Some(d) = var("PGDATABASE")
    {
        config.dbname(&d);
    }
    if config.get_password().is_none()
        && let Some(p) = var("PGPASSWORD").or_else(|| from_passfile(&config))
    {
        config.password(p);
    }
    config.connect_timeout(timeout);
    config.application_name("portolan");
    // Days and times are UTC (the daily lines are UTC days; the history is shown in UTC), in
    // ISO form, and string literals are standard (a backslash in a name is only a character).
    config.options(&format!("-c statement_timeout={} -c TimeZone=UTC -c DateStyle=ISO -c standard_conforming_strings=on", timeout.as_millis().max(1)));
    let refused = |e: postgres::Error| match DbError::from(e) {
        DbError::Query(m) if m.contains("does not exist") => DbError::Refused(m),
        other => other,
    };
    let client = match config.connect(tls()) {
        Ok(c) => c,
        // As libpq at sslmode=prefer: a server whose TLS fails is asked again without it.
        Err(e) if config.get_ssl_mode() == postgres::config::SslMode::Prefer && e.to_string().contains("TLS") => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls).map_err(|_| refused(e))?
        }
        Err(e) => return Err(refused(e)),
    };
    Ok(Connection { client })
}

/// The address without its password (`postgres://alice:secret@host/db` →
/// `postgres://alice@host/db`): what may be remembered between sessions.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // The key=value form: `host=db password=secret dbname=team`.
        return url.split_whitespace().filter(|p| !p.starts_with("password=")).collect::<Vec<_>>().join(" ");
    };
    let mut out = match rest.rsplit_once('@') {
        Some((auth, host)) => format!("{scheme}://{}@{host}", auth.split_once(':').map_or(auth, |(u, _)| u)),
        None => url.to_owned(),
    };
    // A password given as a parameter goes too.
    if let Some((base, query)) = out.clone().split_once('?') {
        let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("password=")).collect();
        out = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    }
    out
}

/// The password for this connection from the password file (`PGPASSFILE`, else
/// `~/.pgpass`), as psql finds it: the first line whose host, port, database and user match
/// (`*` matches anything; `\:` and `\\` escape), and only when the file is not readable by
/// others.
fn from_passfile(config: &postgres::Config) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE").map(std::path::PathBuf::from).or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".pgpass")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(&path).ok()?.permissions().mode() & 0o077 != 0 {
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let db = config.get_dbname().or(config.get_user()).unwrap_or_default().to_owned();
    let user = config.get_user().unwrap_or_default().to_owned();
    passfile_lookup(&text, [&host, &port, &db, &user])
}

/// The password of the first line of a password file matching `want` (host, port, database,
/// user).
fn passfile_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()) {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => field.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        fields.push(field);
        if fields.len() == 5 && fields.iter().zip(want).all(|(f, w)| f == "*" || f == w) {
            return Some(fields.pop().unwrap_or_default());
        }
    }
    None
}

/// A table or view with a geometry column.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub column: String,
    /// The column's SRID (0 when unknown: read as lon/lat).
    pub srid: i32,
    pub geometry_type: String,
    /// From the planner's statistics, in lon/lat (west, south, east, north); `None` until the
    /// table has been analysed.
    pub estimated_extent: Option<[f64; 4]>,
    /// The first date or timestamp column, which the timeline filters on.
    pub time_column: Option<String>,
    /// The other columns, read as the features' properties (geometry and geography columns
    /// left out).
    pub columns: Vec<String>,
}

impl Table {
    /// `schema.table` as a person reads it.
    pub fn title(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    fn sql_name(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }
}

/// An SQL identifier, quoted: any name is safe in a statement.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Connection {
    pub fn canceller(&self) -> Canceller {
        Canceller(self.client.cancel_token())
    }

    /// Whether the connection is encrypted (TLS).
    pub fn encrypted(&mut self) -> Result<bool, DbError> {
        Ok(self.client.query_one("SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)", &[])?.get(0))
    }

    /// Runs SQL as it is (several statements allowed): for set-up and the tests.
    pub fn execute_batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.client.batch_execute(sql)?)
    }

    /// The first column of the first row of `sql`, as a whole number (for counts and checks).
    pub fn query_i64(&mut self, sql: &str) -> Result<i64, DbError> {
        let row = self.client.query_one(&format!("SELECT ({sql})::bigint"), &[])?;
        Ok(row.get::<_, Option<i64>>(0).unwrap_or(0))
    }

    /// The first column of the first row of `sql`, as text.
    pub fn query_text(&mut self, sql: &str) -> Result<String, DbError> {
        let row = self.client.query_one(&format!("SELECT ({sql})::text"), &[])?;
        Ok(row.get::<_, Option<String>>(0).unwrap_or_default())
    }

    /// Every table and view with a geometry column (PostGIS's `geometry_columns`), with its
    /// estimated extent and time column.
    pub fn tables(&mut self) -> Result<Vec<Table>, DbError> {
        let rows = self.client.query(
            // Partitions are left out: their parent table is the one to open.
            "SELECT f_table_schema::text, f_table_name::text, f_geometry_column::text, srid, type::text FROM geometry_columns g \
             WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                               WHERE n.nspname = g.f_table_schema AND c.relname = g.f_table_name) ORDER BY 1, 2, 3",
            &[],
        )?;
        let mut tables = Vec::new();
        for r in rows {
            let mut t = Table { schema: r.get(0), name: r.get(1), column: r.get(2), srid: r.get(3), geometry_type: r.get(4), estimated_extent: None, time_column: None, columns: Vec::new() };
            t.estimated_extent = self.estimated_extent(&t)?;
            // From the catalogue, which has materialized views too (information_schema has not).
            let columns = self.client.query(
                "SELECT a.attname::text, ty.typname::text FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                 WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, $2::text)) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                &[&t.schema, &t.name],
            )?;
            for c in columns {
                let (name, kind): (String, String) = (c.get(0), c.get(1));
                if t.time_column.is_none() && matches!(kind.as_str(), "timestamptz" | "timestamp" | "date") {
                    t.time_column = Some(name.clone());
                }
                if name != t.column && !matches!(kind.as_str(), "geometry" | "geography" | "raster") {
                    t.columns.push(name);
                }
            }
            tables.push(t);
        }
        Ok(tables)
    }

    /// `ST_EstimatedExtent` in lon/lat: `None` when there are no statistics yet (never a scan).
    fn estimated_extent(&mut self, t: &Table) -> Result<Option<[f64; 4]>, DbError> {
        let sql = "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ( \
                   SELECT CASE WHEN $4 IN (0, 4326) THEN e::geometry ELSE ST_Transform(ST_SetSRID(e::geometry, $4), 4326) END AS b \
                   FROM (SELECT ST_EstimatedExtent($1, $2, $3) AS e) x WHERE e IS NOT NULL) y";
        // A view has no statistics: PostGIS raises an error for it, which only means "unknown".
        match self.client.query_opt(sql, &[&t.schema, &t.name, &t.column, &t.srid]) {
            Ok(Some(r)) => Ok(Some([r.get(0), r.get(1), r.get(2), r.get(3)])),
            Ok(None) => Ok(None),
            Err(e) if e.code().is_some() && e.code() != Some(&postgres::error::SqlState::QUERY_CANCELED) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The features of `table` in view (see the module docs).
    pub fn read_view(&mut self, table: &Table, view: &View) -> Result<ViewRead, DbError> {
        let [w, s, e, n] = view.bbox;
        if !(s < n && w.is_finite() && e.is_finite()) {
            return Err(DbError::Usage("the view box is west, south, east, north".into()));
        }
        let geom = format!("t.{}", ident(&table.column));
        let lonlat = if matches!(table.srid, 0 | 4326) { geom.clone() } else { format!("ST_Transform({geom}, 4326)") };
        let envelope = |a: usize| {
            let env = format!("ST_MakeEnvelope(${a}, $2, ${}, $4, 4326)", a + 2);
            match table.srid {
                0 => format!("ST_SetSRID({env}, 0)"),
                4326 => env,
                srid => format!("ST_Transform({env}, {srid})"),
            }
        };
        // Across the antimeridian the view is two boxes: west..180 and -180..east.
        let (w1, e1, w2, e2) = if w > e { (w, 180.0, -180.0, e) } else { (w, e, w, e) };
        let mut filter = format!("({geom} && {} OR {geom} && {})", envelope(1), envelope(5));
        let simplify = view.tolerance > 1e-7;
        let shape = if simplify { format!("ST_Simplify({lonlat}, $6, true)") } else { lonlat };
        // $1..$4 the first box, $5 and $7 the second one's west and east edges, $6 the tolerance.
        let mut params: Vec<Box<dyn postgres::types::ToSql + Sync>> = vec![Box::new(w1), Box::new(s), Box::new(e1), Box::new(n), Box::new(w2), Box::new(view.tolerance), Box::new(e2)];
        if !simplify {
            // Every parameter must appear in the statement for the server to know its type.
            filter.push_str(" AND $6::float8 >= 0");
        }
        if let (Some(col), Some((from, to))) = (&table.time_column, &view.time) {
            params.push(Box::new(from.clone()));
            params.push(Box::new(to.clone()));
            filter.push_str(&format!(" AND t.{c} >= $8::text::date AND t.{c} < $9::text::date + 1", c = ident(col)));
        }
        params.push(Box::new(view.limit as i64 + 1));
        let limit = params.len();
        let sql = format!("SELECT ST_AsBinary({shape}) AS wkb, {props} AS props FROM {from} t WHERE {filter} LIMIT ${limit}", props = properties(&table.columns), from = table.sql_name());
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        let mut tx = self.client.transaction()?;
        let portal = tx.bind(sql.as_str(), &refs)?;
        let mut features = Vec::new();
        let mut skipped = 0;
        loop {
            let rows = tx.query_portal(&portal, BATCH_ROWS)?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                let bytes: Option<Vec<u8>> = r.get(0);
                let props: Option<Value> = r.get(1);
                match bytes.as_deref().map(wkb::reader::read_wkb) {
                    Some(Ok(g)) => features.push(feature(g.to_geometry(), props)),
                    Some(Err(_)) => skipped += 1,
                    None => features.push(feature_without_geometry(props)),
                }
            }
        }
        tx.commit()?;
        let truncated = features.len() > view.limit;
        features.truncate(view.limit);
        Ok(ViewRead { layer: Layer { name: table.title(), features, ..Layer::default() }, truncated, simplified: simplify, skipped, level: None })
    }
}

/// The columns as one JSON object a row. Named one by one: `to_jsonb(t.*)` would also turn
/// the geometry into GeoJSON, only to be dropped, which made reads 7 to 17 times slower.
/// `jsonb_build_object` takes 100 arguments at most, so wide tables join several.
fn properties(columns: &[String]) -> String {
    if columns.is_empty() {
        return "'{}'::jsonb".into();
    }
    let parts: Vec<String> = columns
        .chunks(40)
        .map(|chunk| format!("jsonb_build_object({})", chunk.iter().map(|c| format!("{}, t.{}", literal(c), ident(c))).collect::<Vec<_>>().join(", ")))
        .collect();
    parts.join(" || ")
}

/// An SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn feature(g: geo::Geometry<f64>, props: Option<Value>) -> Feature {
    Feature { geometry: Some(g), ..feature_without_geometry(props) }
}

fn feature_without_geometry(props: Option<Value>) -> Feature {
    let map = match props {
        Some(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Feature { id: None, geometry: None, properties: map.into(), foreign: serde_json::Map::new() }
}

/// What part of a table to read.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// West, south, east, north in degrees (west > east across the antimeridian).
    pub bbox: [f64; 4],
    /// Simplify to this many degrees (about a pixel of the view); 0 for none.
    pub tolerance: f64,
    /// First and last day for the table's time column, if it has one.
    pub time: Option<(String, String)>,
    /// At most this many features.
    pub limit: usize,
}

impl View {
    /// The view of a map `width_px` pixels wide showing `bbox`: simplified to a pixel when
    /// zoomed out (coarser than about 1 m a pixel), not when zoomed in.
    pub fn of_map(bbox: [f64; 4], width_px: f64, limit: usize) -> View {
        let span = if bbox[2] >= bbox[0] { bbox[2] - bbox[0] } else { bbox[2] + 360.0 - bbox[0] };
        let per_px = span / width_px.max(1.0);
        View { bbox, tolerance: if per_px > 1e-5 { per_px } else { 0.0 }, time: None, limit }
    }
}

/// What [`Connection::read_view`] found.
pub struct ViewRead {
    pub layer: Layer,
    /// More rows were in view than the limit let through.
    pub truncated: bool,
    /// Geometries were simplified on the server.
    pub simplified: bool,
    /// Rows whose geometry could not be read.
    pub skipped: usize,
    /// Which table of an AIS archive answered ([`Connection::read_archive`]).
    pub level: Option<ais::Level>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_files_match_as_psql_matches_them() {
        let text = "# comment\nother:5432:*:*:nope\n127.0.0.1:5433:team:alice:first\n*:*:*:alice:p\\:w\\\\d\n";
        assert_eq!(passfile_lookup(text, ["127.0.0.1", "5433", "team", "alice"]).as_deref(), Some("first"));
        assert_eq!(passfile_lookup(text, ["db.example", "5432", "x", "alice"]).as_deref(), Some("p:w\\d"));
        assert_eq!(passfile_lookup(text, ["db.example", "5432", "x", "bob"]), None);
    }

    #[test]
    fn remembered_addresses_have_no_password() {
        assert_eq!(without_password("postgres://alice:s3cr:et@db.example:5433/team"), "postgres://alice@db.example:5433/team");
        assert_eq!(without_password("postgres://alice@db.example/team?password=x&sslmode=require"), "postgres://alice@db.example/team?sslmode=require");
        assert_eq!(without_password("postgres://db.example/team"), "postgres://db.example/team");
        assert_eq!(without_password(""), "");
        assert_eq!(without_password("postgres:///team?password=x"), "postgres:///team");
        assert_eq!(without_password("host=db password=s3cret dbname=team"), "host=db dbname=team");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("ships"), "\"ships\"");
        assert_eq!(ident("x\"; DROP TABLE y; --"), "\"x\"\"; DROP TABLE y; --\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
