//! AIS archives in PostGIS: `portolan db import-ais` loads position reports (any format the
//! AIS readers know) with `COPY` into a table partitioned by month, indexed for the two
//! questions a map asks (GiST on the position: what is in view; BRIN on the time: what is in
//! the period, cheap on data that arrives in time order), with the vessels' identifiers in a
//! table beside it and one line per vessel and day for zoomed-out views.
//!
//! For `TABLE` = `ais.positions`: `ais.positions` (mmsi, t, sog, cog, heading, suspect,
//! geom), its partitions `ais.positions_2023_08`…, `ais.positions_vessels` (mmsi, name, imo,
//! callsign, vessel_type) and `ais.positions_daily` (mmsi, day, positions, geom).

use std::io::Write;

use super::{Connection, DbError, ident, literal};
use crate::ais::AisData;

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
        let (t, vessels, daily) = (table.sql(), table.with_suffix("_vessels"), table.with_suffix("_daily"));
        let mut tx = self.client.transaction()?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {t} (mmsi integer NOT NULL, t timestamptz NOT NULL, sog real, cog real, heading smallint,
                 suspect boolean NOT NULL DEFAULT false, geom geometry(Point, 4326) NOT NULL) PARTITION BY RANGE (t);
             CREATE INDEX IF NOT EXISTS {gist} ON {t} USING gist (geom);
             CREATE INDEX IF NOT EXISTS {brin} ON {t} USING brin (t);
             CREATE TABLE IF NOT EXISTS {v} (mmsi integer PRIMARY KEY, name text, imo integer, callsign text, vessel_type text);
             CREATE TABLE IF NOT EXISTS {d} (mmsi integer NOT NULL, day date NOT NULL, positions integer NOT NULL,
                 geom geometry(Geometry, 4326) NOT NULL, PRIMARY KEY (mmsi, day));
             CREATE INDEX IF NOT EXISTS {dgist} ON {d} USING gist (geom);",
            schema = ident(&table.schema),
            gist = ident(&format!("{}_geom_gist", table.name)),
            brin = ident(&format!("{}_t_brin", table.name)),
            v = vessels.sql(),
            d = daily.sql(),
            dgist = ident(&format!("{}_daily_geom_gist", table.name)),
        ))?;
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
            let days = tx.execute(
                &format!(
                    "INSERT INTO {d} (mmsi, day, positions, geom)
                     SELECT mmsi, (t AT TIME ZONE 'UTC')::date, count(*)::int,
                            CASE WHEN count(*) = 1 THEN ST_Collect(geom) ELSE ST_MakeLine(geom ORDER BY t) END
                     FROM {t} WHERE NOT suspect AND t >= $1::text::timestamptz AND t < $2::text::timestamptz + interval '1 day'
                       AND mmsi = ANY($3)
                     GROUP BY 1, 2
                     ON CONFLICT (mmsi, day) DO UPDATE SET positions = EXCLUDED.positions, geom = EXCLUDED.geom",
                    d = daily.sql()
                ),
                &[&timestamp(first.div_euclid(86_400) * 86_400), &timestamp(last.div_euclid(86_400) * 86_400), &data.vessels.iter().map(|v| v.mmsi as i32).collect::<Vec<i32>>()],
            )?;
            imported.days = days;
        }
        tx.commit()?;
        self.client.batch_execute(&format!("ANALYZE {t}; ANALYZE {}", daily.sql()))?;
        Ok(imported)
    }
}
