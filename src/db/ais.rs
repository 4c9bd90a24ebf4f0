//! AIS archives in PostGIS: `portolan db import-ais` loads position reports (any format the
//! AIS readers know) with `COPY` into a table partitioned by month, indexed for the two
//! questions a map asks (GiST on the position: what is in view; BRIN on the time: what is in
//! the period, cheap on data that arrives in time order), with the vessels' identifiers in a
//! table beside it, and overviews for zoomed-out views: one line per vessel and day, and one per
//! vessel and month simplified to about a kilometre. A B-tree on (mmsi, t) serves the third
//! question, a vessel's track over a period, which the detectors ask ([`Connection::read_ais`]).
//!
//! For `TABLE` = `ais.positions`: `ais.positions` (mmsi, t, sog, cog, heading, suspect,
//! geom), its partitions `ais.positions_2023_08`…, `ais.positions_vessels` (mmsi, name, imo,
//! callsign, vessel_type), `ais.positions_daily` (mmsi, day, name, positions, geom) and
//! `ais.positions_monthly` (mmsi, month, name, positions, geom).
//!
//! An [`Archive`] is read per view at the level its zoom needs ([`Connection::read_archive`]):
//! monthly lines zoomed out to about a country, daily lines to about a gulf, positions closer
//! in; every level filtered by the timeline on the server. Reading the positions themselves at
//! zoom 3 would send the whole archive; the overviews send a few thousand lines.

use std::io::Write;

use super::{Connection, DbError, Table, View, ViewRead, ident, literal};
use crate::ais::{AisData, Fix, Format, Vessel};

/// A table name as `schema.table` (or `table`, in `public`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn parse(s: &str) -> Result<TableName, DbError> {
        let (schema, name) = s.split_once('.').unwrap_or(("public", s));
        if schema.is_empty() || name.is_empty() || name.contains('.') {
            return Err(DbError::Usage(format!("{s:?} is not a table name: use schema.table")));
        }
        Ok(TableName { schema: schema.into(), name: name.into() })
    }

    fn sql(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }

    fn title(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// A table beside this one: `positions` + `_daily`.
    fn with_suffix(&self, suffix: &str) -> TableName {
        TableName { schema: self.schema.clone(), name: format!("{}{suffix}", self.name) }
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub positions: u64,
    pub vessels: usize,
    /// The monthly partitions written to, `2023-08`…
    pub months: Vec<String>,
    /// Vessel-days of the daily tracks written.
    pub days: u64,
}

/// Unix seconds as PostgreSQL's `timestamptz` text, UTC.
fn timestamp(t: i64) -> String {
    let day = crate::model::time::Day(crate::model::time::Day::from_ymd(1970, 1, 1).0 + t.div_euclid(86_400) as i32);
    let s = t.rem_euclid(86_400);
    format!("{day} {:02}:{:02}:{:02}+00", s / 3600, s / 60 % 60, s % 60)
}

/// A point as hex EWKB with SRID 4326 (what `COPY` reads fastest for a geometry column).
fn ewkb_point(lon: f64, lat: f64) -> String {
    let mut s = String::with_capacity(50);
    s.push_str("0101000020E6100000");
    for v in [lon, lat] {
        for b in v.to_le_bytes() {
            s.push_str(&format!("{b:02X}"));
        }
    }
    s
}

/// The first day of a month and of the next, for a partition's bounds.
fn month_bounds(t: i64) -> (String, String, String) {
    let day = crate::model::time::Day(crate::model::time::Day::from_ymd(1970, 1, 1).0 + t.div_euclid(86_400) as i32);
    let (y, m, _) = day.ymd();
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (format!("{y:04}-{m:02}"), format!("{y:04}-{m:02}-01"), format!("{ny:04}-{nm:02}-01"))
}

impl Connection {
    /// Loads `data` into `table` (made, with its partitions, indexes and side tables, when
    /// missing), then rebuilds the daily tracks of the days it touched. One transaction: an
    /// import that fails leaves nothing behind.
    pub fn import_ais(&mut self, table: &TableName, data: &AisData) -> Result<Imported, DbError> {
        let (t, vessels, daily, monthly) = (table.sql(), table.with_suffix("_vessels"), table.with_suffix("_daily"), table.with_suffix("_monthly"));
        let mut tx = self.client.transaction()?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {t} (mmsi integer NOT NULL, t timestamptz NOT NULL, sog real, cog real, heading smallint,
                 suspect boolean NOT NULL DEFAULT false, geom geometry(Point, 4326) NOT NULL) PARTITION BY RANGE (t);
             CREATE INDEX IF NOT EXISTS {gist} ON {t} USING gist (geom);
             CREATE INDEX IF NOT EXISTS {brin} ON {t} USING brin (t);
             CREATE INDEX IF NOT EXISTS {track} ON {t} (mmsi, t);
             CREATE TABLE IF NOT EXISTS {v} (mmsi integer PRIMARY KEY, name text, imo integer, callsign text, vessel_type text);
             CREATE TABLE IF NOT EXISTS {d} (mmsi integer NOT NULL, day date NOT NULL, positions integer NOT NULL,
                 geom geometry(Geometry, 4326) NOT NULL, PRIMARY KEY (mmsi, day));
             CREATE INDEX IF NOT EXISTS {dgist} ON {d} USING gist (geom);
             ALTER TABLE {d} ADD COLUMN IF NOT EXISTS name text;
             CREATE TABLE IF NOT EXISTS {m} (mmsi integer NOT NULL, month date NOT NULL, name text, positions integer NOT NULL,
                 geom geometry(Geometry, 4326) NOT NULL, PRIMARY KEY (mmsi, month));
             CREATE INDEX IF NOT EXISTS {mgist} ON {m} USING gist (geom);",
            schema = ident(&table.schema),
            gist = ident(&format!("{}_geom_gist", table.name)),
            brin = ident(&format!("{}_t_brin", table.name)),
            track = ident(&format!("{}_mmsi_t", table.name)),
            m = monthly.sql(),
            mgist = ident(&format!("{}_monthly_geom_gist", table.name)),
            v = vessels.sql(),
            d = daily.sql(),
            dgist = ident(&format!("{}_daily_geom_gist", table.name)),
        ))?;
        // An archive made before the monthly lines and names existed gets them for all it holds.
        let backfill = tx.query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {}) AND EXISTS (SELECT 1 FROM {})", monthly.sql(), daily.sql()), &[])?.get::<_, bool>(0);
        let mut months = std::collections::BTreeMap::new();
        for f in data.vessels.iter().flat_map(|v| &v.fixes) {
            let (name, from, to) = month_bounds(f.t);
            months.entry(name).or_insert((from, to));
        }
        for (name, (from, to)) in &months {
            let part = table.with_suffix(&format!("_{}", name.replace('-', "_")));
            tx.batch_execute(&format!("CREATE TABLE IF NOT EXISTS {} PARTITION OF {t} FOR VALUES FROM ({}) TO ({})", part.sql(), literal(from), literal(to)))?;
        }
        let mut imported = Imported { months: months.keys().cloned().collect(), vessels: data.vessels.len(), ..Imported::default() };
        {
            let mut copy = tx.copy_in(&format!("COPY {t} (mmsi, t, sog, cog, heading, suspect, geom) FROM STDIN"))?;
            let mut line = String::new();
            let num = |v: f32| if v.is_finite() { v.to_string() } else { "\\N".to_owned() };
            for v in &data.vessels {
                for f in &v.fixes {
                    line.clear();
                    let heading = if f.heading < 360 { f.heading.to_string() } else { "\\N".into() };
                    line.push_str(&format!("{}\t{}\t{}\t{}\t{heading}\t{}\t{}\n", v.mmsi, timestamp(f.t), num(f.sog), num(f.cog), if f.suspect { 't' } else { 'f' }, ewkb_point(f.lon, f.lat)));
                    copy.write_all(line.as_bytes()).map_err(|e| DbError::Unreachable(e.to_string()))?;
                    imported.positions += 1;
                }
            }
            copy.finish()?;
        }
        let upsert = format!(
            "INSERT INTO {} (mmsi, name, imo, callsign, vessel_type) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (mmsi) DO UPDATE SET name = coalesce(EXCLUDED.name, {v}.name), imo = coalesce(EXCLUDED.imo, {v}.imo),
               callsign = coalesce(EXCLUDED.callsign, {v}.callsign), vessel_type = coalesce(EXCLUDED.vessel_type, {v}.vessel_type)",
            vessels.sql(),
            v = vessels.sql()
        );
        let statement = tx.prepare(&upsert)?;
        for v in &data.vessels {
            let imo = v.imo.and_then(|i| i32::try_from(i).ok());
            tx.execute(&statement, &[&(v.mmsi as i32), &v.name, &imo, &v.callsign, &v.vessel_type])?;
        }
        // The daily tracks of the days this import touched, from everything now in the table.
        let span = data.vessels.iter().flat_map(|v| &v.fixes).map(|f| f.t).fold(None, |acc: Option<(i64, i64)>, t| Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t)))));
        if let Some((first, last)) = span {
            let (from, to) = (timestamp(first.div_euclid(86_400) * 86_400), timestamp(last.div_euclid(86_400) * 86_400));
            let mmsis: Vec<i32> = data.vessels.iter().map(|v| v.mmsi as i32).collect();
            let days = tx.execute(
                &format!(
                    "INSERT INTO {d} (mmsi, day, name, positions, geom)
                     SELECT p.mmsi, (p.t AT TIME ZONE 'UTC')::date, max(v.name), count(*)::int,
                            CASE WHEN count(*) = 1 THEN ST_Collect(p.geom) ELSE ST_MakeLine(p.geom ORDER BY p.t) END
                     FROM {t} p LEFT JOIN {v} v ON v.mmsi = p.mmsi
                     WHERE NOT p.suspect AND p.t >= $1::text::timestamptz AND p.t < $2::text::timestamptz + interval '1 day' AND p.mmsi = ANY($3)
                     GROUP BY 1, 2
                     ON CONFLICT (mmsi, day) DO UPDATE SET name = EXCLUDED.name, positions = EXCLUDED.positions, geom = EXCLUDED.geom",
                    d = daily.sql(),
                    v = vessels.sql(),
                ),
                &[&from, &to, &mmsis],
            )?;
            imported.days = days;
            if backfill {
                tx.execute(&format!("UPDATE {d} d SET name = v.name FROM {v} v WHERE v.mmsi = d.mmsi AND d.name IS NULL", d = daily.sql(), v = vessels.sql()), &[])?;
            }
            // The months those days are in, from their daily lines joined end to end and
            // simplified to 0.01° (about a kilometre: a pixel at zoom 7).
            tx.execute(
                &format!(
                    "INSERT INTO {m} (mmsi, month, name, positions, geom)
                     SELECT mmsi, month, name, positions, CASE WHEN ST_NPoints(line) > 1 THEN ST_Simplify(line, 0.01, true) ELSE ST_StartPoint(line) END
                     FROM (SELECT mmsi, date_trunc('month', day)::date AS month, max(name) AS name, sum(positions)::int AS positions,
                                  ST_MakeLine(geom ORDER BY day) AS line
                           FROM {d} WHERE $4 OR (mmsi = ANY($3) AND day >= date_trunc('month', $1::text::date) AND day < date_trunc('month', $2::text::date) + interval '1 month')
                           GROUP BY 1, 2) x
                     ON CONFLICT (mmsi, month) DO UPDATE SET name = EXCLUDED.name, positions = EXCLUDED.positions, geom = EXCLUDED.geom",
                    m = monthly.sql(),
                    d = daily.sql(),
                ),
                &[&from[..10].to_owned(), &to[..10].to_owned(), &mmsis, &backfill],
            )?;
        }
        tx.commit()?;
        self.client.batch_execute(&format!("ANALYZE {t}; ANALYZE {}; ANALYZE {}", daily.sql(), monthly.sql()))?;
        Ok(imported)
    }
}

/// An archive `import-ais` made: the positions table and its overviews, as listed by
/// [`Connection::tables`].
#[derive(Clone, Debug, PartialEq)]
pub struct Archive {
    pub positions: Table,
    pub daily: Table,
    pub monthly: Table,
}

/// Which table of an [`Archive`] a view reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Monthly,
    Daily,
    Positions,
}

impl Level {
    /// The level for a view showing `per_px` degrees a pixel: months out to zoom 8 (a pixel
    /// of 0.004° and more), days to zoom 11, positions from zoom 12 on.
    pub fn of(per_px: f64) -> Level {
        if per_px >= 0.004 {
            Level::Monthly
        } else if per_px >= 0.0005 {
            Level::Daily
        } else {
            Level::Positions
        }
    }
}

impl Archive {
    /// The archive `table` heads, if the tables beside it are there too.
    pub fn of(tables: &[Table], table: &Table) -> Option<Archive> {
        let beside = |suffix: &str| tables.iter().find(|t| t.schema == table.schema && t.name == format!("{}{suffix}", table.name)).cloned();
        let is_positions = table.time_column.as_deref() == Some("t") && table.geometry_type.eq_ignore_ascii_case("POINT");
        let monthly = beside("_monthly")?;
        // A partitioned table has no statistics of its own: its monthly lines tell its extent.
        let positions = Table { estimated_extent: table.estimated_extent.or(monthly.estimated_extent), ..table.clone() };
        Some(Archive { positions, daily: beside("_daily")?, monthly }).filter(|_| is_positions)
    }

    fn name(&self) -> TableName {
        TableName { schema: self.positions.schema.clone(), name: self.positions.name.clone() }
    }
}

/// Two boxes for a view (the same one twice unless it crosses the antimeridian): `$1..$4` and
/// `$5, $2, $6, $4` as parameters.
fn boxes(bbox: [f64; 4]) -> [f64; 6] {
    let [w, s, e, n] = bbox;
    if w > e { [w, s, 180.0, n, -180.0, e] } else { [w, s, e, n, w, e] }
}

impl Connection {
    /// The features of an archive in view, read from the table its zoom needs ([`Level`]).
    pub fn read_archive(&mut self, archive: &Archive, view: &View) -> Result<ViewRead, DbError> {
        // The tolerance is the view's pixel (0 only when zoomed in past any overview).
        let level = Level::of(view.tolerance);
        let mut read = match level {
            Level::Positions => self.read_view(&archive.positions, view)?,
            Level::Daily => self.read_view(&archive.daily, view)?,
            Level::Monthly => {
                // A month is in the period when any of its days is: from its first day on.
                let mut v = view.clone();
                if let Some((from, _)) = &mut v.time
                    && from.len() >= 7
                {
                    *from = format!("{}-01", &from[..7]);
                }
                self.read_view(&archive.monthly, &v)?
            }
        };
        read.level = Some(level);
        Ok(read)
    }

    /// The first and last day the archive has positions on (from the daily lines).
    pub fn archive_days(&mut self, archive: &Archive) -> Result<Option<(String, String)>, DbError> {
        let daily = archive.name().with_suffix("_daily").sql();
        let r = self.client.query_one(&format!("SELECT min(day)::text, max(day)::text FROM {daily}"), &[])?;
        Ok(r.get::<_, Option<String>>(0).zip(r.get::<_, Option<String>>(1)))
    }

    /// The positions, from `first` to `last` day, of every vessel the archive saw in `bbox`
    /// in that period (the whole of each one's track in the period, not only what is in the
    /// box: a gap is measured from the position before it), with their identifiers: what the
    /// detectors need. Refused, before anything is read, when it would be over `max`
    /// positions.
    pub fn read_ais(&mut self, archive: &Archive, bbox: [f64; 4], first: &str, last: &str, max: u64) -> Result<AisData, DbError> {
        let table = archive.name();
        let (t, daily, vessels) = (table.sql(), table.with_suffix("_daily").sql(), table.with_suffix("_vessels").sql());
        let b = boxes(bbox);
        let seen = format!(
            "SELECT DISTINCT mmsi FROM {daily} WHERE day >= $7::text::date AND day <= $8::text::date
               AND ((geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)))
                 OR (geom && ST_MakeEnvelope($5, $2, $6, $4, 4326) AND ST_Intersects(geom, ST_MakeEnvelope($5, $2, $6, $4, 4326))))"
        );
        let (first, last) = (first.to_owned(), last.to_owned());
        let params: [&(dyn postgres::types::ToSql + Sync); 8] = [&b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &first, &last];
        let mmsis: Vec<i32> = self.client.query(seen.as_str(), &params)?.iter().map(|r| r.get(0)).collect();
        let count = self.client.query_one(&format!("SELECT coalesce(sum(positions), 0)::bigint FROM {daily} WHERE mmsi = ANY($1) AND day >= $2::text::date AND day <= $3::text::date"), &[&mmsis, &first, &last])?;
        let count: i64 = count.get(0);
        if count as u64 > max {
            return Err(DbError::Usage(format!(
                "{} vessels with {count} positions in view from {first} to {last}: more than {max}; zoom in or shorten the period",
                mmsis.len()
            )));
        }
        let mut out: Vec<Vessel> = self
            .client
            .query(&format!("SELECT mmsi, name, imo, callsign, vessel_type FROM {vessels} WHERE mmsi = ANY($1) ORDER BY mmsi"), &[&mmsis])?
            .iter()
            .map(|r| {
                let mut v = Vessel { mmsi: r.get::<_, i32>(0) as u32, ..Vessel::default() };
                let imo: Option<i32> = r.get(2);
                v.learn(r.get(1), imo.and_then(|i| u32::try_from(i).ok()), r.get(3), r.get(4));
                v
            })
            .collect();
        let at: std::collections::HashMap<u32, usize> = out.iter().enumerate().map(|(i, v)| (v.mmsi, i)).collect();
        let sql = format!(
            "SELECT mmsi, extract(epoch FROM t)::float8, ST_X(geom), ST_Y(geom), sog, cog, heading FROM {t}
             WHERE mmsi = ANY($1) AND t >= $2::text::date AND t < $3::text::date + 1 ORDER BY mmsi, t"
        );
        let mut rows = 0u64;
        let mut tx = self.client.transaction()?;
        let portal = tx.bind(sql.as_str(), &[&mmsis, &first, &last])?;
        loop {
            let batch = tx.query_portal(&portal, 20_000)?;
            if batch.is_empty() {
                break;
            }
            for r in batch {
                rows += 1;
                // The count above leaves out suspect positions: the limit holds here too.
                if rows > max {
                    return Err(DbError::Usage(format!("more than {max} positions in view from {first} to {last}; zoom in or shorten the period")));
                }
                let mmsi = r.get::<_, i32>(0) as u32;
                let Some(&i) = at.get(&mmsi) else { continue };
                let (sog, cog, heading): (Option<f32>, Option<f32>, Option<i16>) = (r.get(4), r.get(5), r.get(6));
                out[i].fixes.push(Fix {
                    sog: sog.unwrap_or(f32::NAN),
                    cog: cog.unwrap_or(f32::NAN),
                    heading: heading.and_then(|h| u16::try_from(h).ok()).unwrap_or(511),
                    ..Fix::new(r.get::<_, f64>(1) as i64, r.get(2), r.get(3))
                });
            }
        }
        tx.commit()?;
        out.retain(|v| !v.fixes.is_empty());
        let notes = vec![format!("{}: the vessels seen in {:.4},{:.4},{:.4},{:.4} from {first} to {last}", table.title(), bbox[0], bbox[1], bbox[2], bbox[3])];
        Ok(AisData { format: Format::PostGis, vessels: out, rows, dropped: Default::default(), notes })
    }
}
