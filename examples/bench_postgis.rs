//! PostGIS at archive scale, measured: `portolan db import-ais`'s load of N generated AIS
//! positions (default 5,000,000; `cargo run --release --example bench_postgis -- 50000000`
//! for the 50 million), then the time of a per-view read of the positions table at
//! zoom 3, 7, 9 and 12 as the window reads the archive (monthly lines, daily lines, positions by
//! zoom; 1920 px wide, the 50,000-feature cap), of the positions table itself at the same
//! zooms, of a gap search over one vessel-month in SQL, and of the detectors on a zoom-7
//! view's vessels over a month. Starts its own
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
    let archive = portolan::db::ais::Archive::of(&tables, positions).expect("an archive");
    // Views 1920 px wide centred on the Sea of Japan, at zoom 3, 7 and 12: as the window reads
    // the archive (the level the zoom needs), then the positions table itself for comparison.
    let view = |zoom: i32| {
        let span = 360.0 * 1920.0 / (256.0 * 2f64.powi(zoom));
        let (lon, lat) = (135.0, 38.0);
        let half = (span / 2.0).min(179.0);
        View::of_map([lon - half, (lat - half / 2.0).max(-85.0), lon + half, (lat + half / 2.0).min(85.0)], 1920.0, 50_000)
    };
    let median = |f: &mut dyn FnMut() -> usize| {
        let mut times = Vec::new();
        let mut got = 0;
        for _ in 0..5 {
            let s = Instant::now();
            got = f();
            times.push(s.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        (got, times[2])
    };
    for zoom in [3, 7, 9, 12] {
        let v = view(zoom);
        let mut level = None;
        let (got, ms) = median(&mut || {
            let r = c.read_archive(&archive, &v).unwrap();
            level = r.level;
            r.layer.features.len()
        });
        println!("archive view at zoom {zoom:>2} ({:?}): {got} features, median {ms:.0} ms (of 5)", level.unwrap());
        let mut month = v.clone();
        month.time = Some(("2023-08-01".into(), "2023-08-31".into()));
        let (got, ms) = median(&mut || c.read_archive(&archive, &month).unwrap().layer.features.len());
        println!("archive view at zoom {zoom:>2}, timeline on August 2023: {got} features, median {ms:.0} ms");
    }
    for zoom in [3, 7, 12] {
        let v = view(zoom);
        let (got, ms) = median(&mut || c.read_view(positions, &v).unwrap().layer.features.len());
        println!("positions table itself at zoom {zoom:>2}: {got} features, median {ms:.0} ms");
    }
    let s = Instant::now();
    let gaps = c
        .query_i64(
            "SELECT count(*) FROM (SELECT t - lag(t) OVER (ORDER BY t) AS gap FROM ais.positions
              WHERE mmsi = 273000500 AND t >= '2023-08-01' AND t < '2023-09-01') g WHERE gap > interval '6 hours'",
        )
        .unwrap();
    println!("gaps over 6 h for one vessel-month in SQL: {gaps} found in {:.0} ms", s.elapsed().as_secs_f64() * 1000.0);
    // The detectors on a zoom-7 view's vessels over a month, as "Find AIS events in view" does.
    let s = Instant::now();
    let mut data = c.read_ais(&archive, view(7).bbox, "2023-08-01", "2023-08-31", u64::MAX).unwrap();
    let read = s.elapsed().as_secs_f64();
    portolan::ais::tracks::build(&mut data);
    let ports = portolan::ais::shore::Ports::with_embedded(Vec::new());
    let cx = portolan::ais::detect::Context { params: Default::default(), ports: &ports, shore: portolan::ais::shore::Shore::embedded() };
    let events = portolan::ais::detect::all(&data, &cx);
    println!(
        "events in a zoom-7 view over August 2023: {} positions of {} vessels read in {read:.2} s, {} events, {:.2} s in all",
        data.positions(),
        data.vessels.len(),
        events.len(),
        s.elapsed().as_secs_f64()
    );
}
