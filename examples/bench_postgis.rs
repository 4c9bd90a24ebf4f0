//! PostGIS at archive scale, measured: `portolan db import-ais`'s load of N generated AIS
//! positions (default 5,000,000; `cargo run --release --example bench_postgis -- 50000000`
//! for the 50 million), then the time of a per-view read of the positions table at
//! zoom 3, 7 and 12 (1920 px wide, the 50,000-feature cap the window uses), of the daily
//! lines at zoom 3, and of a gap search over one vessel-month in SQL. Starts its own
//! PostgreSQL + PostGIS as the tests do (Debian's postgresql-15, postgresql-15-postgis-3).

use std::time::Instant;

use portolan::ais::{AisData, Fix, Format, Vessel};
use portolan::db::View;

#[path = "../tests/support/pg.rs"]
mod pg;

/// `n` positions of 1,000 vessels, one every 10 minutes from 2023-08-01, each vessel on a
/// straight course across the Sea of Japan and beyond, with a 12-hour silence in the middle.
fn fleet(n: usize) -> AisData {
    let per = n / 1000;
    let t0 = 1_690_848_000i64;
    let vessels = (0..1000u32)
        .map(|v| {
            let (lon0, lat0) = (120.0 + f64::from(v % 40), 20.0 + f64::from(v / 40) * 1.2);
            let (dx, dy) = ((f64::from(v) * 0.7).cos() * 0.002, (f64::from(v) * 1.3).sin() * 0.002);
            let fixes = (0..per)
                .filter(|k| !(per / 2..per / 2 + 72).contains(k))
                .map(|k| Fix { sog: 12.0, cog: 90.0, ..Fix::new(t0 + k as i64 * 600, lon0 + dx * k as f64 % 20.0, lat0 + dy * k as f64 % 10.0) })
                .collect();
            Vessel { mmsi: 273_000_000 + v, name: Some(format!("VESSEL {v}")), fixes, ..Vessel::default() }
        })
        .collect();
    AisData { format: Format::Noaa, vessels, rows: n as u64, dropped: Default::default(), notes: Vec::new() }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5_000_000);
    let server = pg::Pg::start();
    let mut c = portolan::db::connect(&server.url(), std::time::Duration::from_secs(3600)).unwrap();
    let data = fleet(n);
    let table = portolan::db::ais::TableName::parse("ais.positions").unwrap();
    let t = Instant::now();
    let done = c.import_ais(&table, &data).unwrap();
    let load = t.elapsed().as_secs_f64();
    println!("import-ais: {} positions of {} vessels in {} in {load:.1} s ({:.0} positions/s); {} vessel-days", done.positions, done.vessels, done.months.join(", "), done.positions as f64 / load, done.days);
    let tables = c.tables().unwrap();
    let positions = tables.iter().find(|t| t.title() == "ais.positions").unwrap();
    let daily = tables.iter().find(|t| t.title() == "ais.positions_daily").unwrap();
    // Views 1920 px wide centred on the Sea of Japan, at zoom 3, 7 and 12.
    for (zoom, t) in [(3u32, positions), (7, positions), (12, positions), (3, daily)] {
        let span = 360.0 * 1920.0 / (256.0 * 2f64.powi(zoom as i32));
        let (lon, lat) = (135.0, 38.0);
        let half = (span / 2.0).min(179.0);
        let view = View::of_map([lon - half, (lat - half / 2.0).max(-85.0), lon + half, (lat + half / 2.0).min(85.0)], 1920.0, 50_000);
        let mut times = Vec::new();
        let mut got = 0;
        for _ in 0..5 {
            let s = Instant::now();
            let r = c.read_view(t, &view).unwrap();
            times.push(s.elapsed().as_secs_f64() * 1000.0);
            got = r.layer.features.len();
        }
        times.sort_by(f64::total_cmp);
        println!("view at zoom {zoom:>2} of {}: {got} features, median {:.0} ms (of 5)", t.title(), times[2]);
    }
    let s = Instant::now();
    let gaps = c
        .query_i64(
            "SELECT count(*) FROM (SELECT t - lag(t) OVER (ORDER BY t) AS gap FROM ais.positions
              WHERE mmsi = 273000500 AND t >= '2023-08-01' AND t < '2023-09-01') g WHERE gap > interval '6 hours'",
        )
        .unwrap();
    println!("gaps over 6 h for one vessel-month: {gaps} found in {:.0} ms", s.elapsed().as_secs_f64() * 1000.0);
}
