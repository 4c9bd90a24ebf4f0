//! PostGIS as a data source, against a real PostgreSQL + PostGIS started on 127.0.0.1 by
//! the test (`support/pg.rs`): tables listed with their estimated extents and time columns
//! (no scan of a whole table), per-view reads that fetch only what is in view and simplify
//! on the server when zoomed out, the timeline filter, names that look like SQL, bad
//! credentials, a server that is not there, and a stale query cancelled.

use std::time::{Duration, Instant};

use portolan::db::{self, DbError, View};

#[path = "support/pg.rs"]
mod pg;

/// Ships: 20,000 points over the Sea of Japan, a time each from August to October 2023;
/// routes: 500 lines of 200 vertices in Web Mercator (EPSG:3857); one line across 180°.
fn load(c: &mut db::Connection) {
    c.execute_batch(
        "CREATE TABLE ships (id serial PRIMARY KEY, name text, seen timestamptz, geom geometry(Point, 4326));
         INSERT INTO ships (name, seen, geom)
           SELECT 'ship ' || i, timestamptz '2023-08-01 00:00Z' + (i % 92) * interval '1 day',
                  ST_SetSRID(ST_MakePoint(128 + (i % 200) * 0.05, 34 + (i / 200) * 0.1), 4326)
           FROM generate_series(0, 19999) i;
         CREATE INDEX ON ships USING gist (geom);
         CREATE TABLE routes (id serial PRIMARY KEY, kind text, geom geometry(LineString, 3857));
         INSERT INTO routes (kind, geom)
           SELECT 'route', ST_Transform(ST_SetSRID(ST_MakeLine(ARRAY(
               SELECT ST_MakePoint(130 + j * 0.02, 35 + r * 0.02 + sin(j / 7.0) * 0.05) FROM generate_series(0, 199) j)), 4326), 3857)
           FROM generate_series(0, 499) r;
         CREATE TABLE bering (id int, geom geometry(LineString, 4326));
         INSERT INTO bering VALUES (1, 'SRID=4326;LINESTRING(179.5 60, 179.9 60.2)'), (2, 'SRID=4326;LINESTRING(-179.9 60.1, -179.2 60.3)'), (3, 'SRID=4326;LINESTRING(10 60, 11 60)');",
    )
    .unwrap();
}

fn vertices(l: &portolan::model::Layer) -> usize {
    use geo::CoordsIter;
    l.features.iter().filter_map(|f| f.geometry.as_ref()).map(|g| g.coords_count()).sum()
}

#[test]
fn tables_extents_views_simplification_and_the_time_filter() {
    let server = pg::Pg::start();
    let mut c = server.connect();
    load(&mut c);

    // Listed with their geometry column, SRID and time column. The extent comes from the
    // spatial index or the planner's statistics: the routes have neither yet, so none (a
    // full-table extent is never computed).
    let tables = c.tables().unwrap();
    let names: Vec<String> = tables.iter().map(|t| t.title()).collect();
    assert_eq!(names, ["public.bering", "public.routes", "public.ships"]);
    let ships = tables.iter().find(|t| t.name == "ships").unwrap().clone();
    assert_eq!((ships.column.as_str(), ships.srid, ships.geometry_type.as_str(), ships.time_column.as_deref()), ("geom", 4326, "POINT", Some("seen")));
    assert!(ships.estimated_extent.is_some(), "from the GiST index");
    let routes = tables.iter().find(|t| t.name == "routes").unwrap().clone();
    assert_eq!((routes.srid, routes.time_column.as_deref(), routes.estimated_extent), (3857, None, None));

    // After ANALYZE the planner's extent is there, in lon/lat for the Mercator table too.
    c.execute_batch("ANALYZE").unwrap();
    let tables = c.tables().unwrap();
    let e = tables.iter().find(|t| t.name == "ships").unwrap().estimated_extent.expect("an estimated extent");
    assert!((e[0] - 128.0).abs() < 0.5 && (e[1] - 34.0).abs() < 0.5 && (e[2] - 137.95).abs() < 0.5 && (e[3] - 43.9).abs() < 0.5, "{e:?}");
    let e = tables.iter().find(|t| t.name == "routes").unwrap().estimated_extent.expect("an estimated extent");
    assert!((e[0] - 130.0).abs() < 0.2 && (e[2] - 134.0).abs() < 0.2 && (e[1] - 35.0).abs() < 0.2, "{e:?}");

    // A view reads what it shows: a box of 1° × 1° holds 20 × 10 = 200 ships (with edges).
    let zoomed_in = View { bbox: [130.0, 36.0, 130.999, 36.999], tolerance: 0.0, time: None, limit: 100_000 };
    let r = c.read_view(&ships, &zoomed_in).unwrap();
    assert_eq!(r.layer.features.len(), 200);
    assert!(!r.truncated && !r.simplified);
    let f = &r.layer.features[0];
    assert!(f.str_prop("name").unwrap().starts_with("ship "), "the other columns are properties");
    assert!(f.properties.get("geom").is_none(), "the geometry is not repeated as a property");
    assert!(matches!(f.geometry, Some(geo::Geometry::Point(p)) if (130.0..131.0).contains(&p.x()) && (36.0..37.0).contains(&p.y())));

    // The limit is kept, and says more were there.
    let r = c.read_view(&ships, &View { limit: 50, ..zoomed_in.clone() }).unwrap();
    assert_eq!(r.layer.features.len(), 50);
    assert!(r.truncated);

    // The Mercator routes come back in lon/lat; zoomed out they are simplified on the server
    // to the pixel size (far fewer vertices), zoomed in they keep every vertex.
    let all = [125.0, 30.0, 140.0, 50.0];
    let full = c.read_view(&routes, &View { bbox: all, tolerance: 0.0, time: None, limit: 100_000 }).unwrap();
    assert_eq!(full.layer.features.len(), 500);
    assert_eq!(vertices(&full.layer), 500 * 200);
    let coarse = c.read_view(&routes, &View::of_map(all, 800.0, 100_000)).unwrap();
    assert!(coarse.simplified);
    assert_eq!(coarse.layer.features.len(), 500, "simplified lines are kept");
    assert!(vertices(&coarse.layer) < 500 * 200 / 4, "{} vertices", vertices(&coarse.layer));
    let Some(geo::Geometry::LineString(l)) = &full.layer.features[0].geometry else { panic!("a line") };
    assert!((l.0[0].x - 130.0).abs() < 1e-6 && (l.0[0].y - 35.0).abs() < 1e-6, "{:?}", l.0[0]);

    // The timeline: only the ships seen in August.
    let august = View { time: Some(("2023-08-01".into(), "2023-08-31".into())), ..zoomed_in.clone() };
    let r = c.read_view(&ships, &august).unwrap();
    assert!(!r.layer.features.is_empty() && r.layer.features.len() < 200);
    assert!(r.layer.features.iter().all(|f| f.str_prop("seen").is_some_and(|s| s.starts_with("2023-08"))), "only August");

    // Across the antimeridian: the box 179°E..179°W holds both halves, not the line at 10°E.
    let bering = tables.iter().find(|t| t.name == "bering").unwrap();
    let r = c.read_view(bering, &View { bbox: [179.0, 59.0, -179.0, 61.0], tolerance: 0.0, time: None, limit: 10 }).unwrap();
    let mut ids: Vec<i64> = r.layer.features.iter().filter_map(|f| f.properties.get("id").and_then(|v| v.as_i64())).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2]);
}

#[test]
fn names_that_look_like_sql_credentials_and_a_stale_query() {
    let server = pg::Pg::start();
    let mut c = server.connect();
    c.execute_batch(
        r#"CREATE TABLE keep (id int); INSERT INTO keep VALUES (1);
           CREATE TABLE "x""; DROP TABLE keep; --" ("ge""om" geometry(Point, 4326), "it's" text);
           INSERT INTO "x""; DROP TABLE keep; --" VALUES ('SRID=4326;POINT(1 2)', 'quoted');"#,
    )
    .unwrap();
    let tables = c.tables().unwrap();
    let weird = tables.iter().find(|t| t.name.contains("DROP")).expect("listed by its name");
    assert_eq!(weird.column, "ge\"om");
    let r = c.read_view(weird, &View { bbox: [0.0, 0.0, 3.0, 3.0], tolerance: 0.0, time: None, limit: 10 }).unwrap();
    assert_eq!(r.layer.features.len(), 1);
    assert_eq!(r.layer.features[0].str_prop("it's"), Some("quoted"));
    c.execute_batch("SELECT * FROM keep").expect("nothing was dropped");
    // A wide table (more columns than one jsonb_build_object takes) with a second geometry
    // column: every other column becomes a property, the second geometry does not.
    let columns: Vec<String> = (0..90).map(|i| format!("c{i} int DEFAULT {i}")).collect();
    c.execute_batch(&format!(
        "CREATE TABLE wide (geom geometry(Point, 4326), {}, outline geometry(Polygon, 4326)); INSERT INTO wide (geom) VALUES ('SRID=4326;POINT(1 1)')",
        columns.join(", ")
    ))
    .unwrap();
    let wide = c.tables().unwrap().into_iter().find(|t| t.name == "wide" && t.column == "geom").unwrap();
    let r = c.read_view(&wide, &View { bbox: [0.0, 0.0, 3.0, 3.0], tolerance: 0.0, time: None, limit: 10 }).unwrap();
    let props = &r.layer.features[0].properties;
    assert_eq!(props.len(), 90, "{props:?}");
    assert_eq!(props.get("c89"), Some(serde_json::json!(89)));
    assert!(props.get("outline").is_none() && props.get("geom").is_none());

    // A wrong password, a user that does not exist, a port with no server: messages.
    let bad = format!("postgres://{}:wrong@127.0.0.1:{}/postgres", pg::USER, server.port);
    assert!(matches!(db::connect(&bad, Duration::from_secs(5)), Err(DbError::Refused(_))), "wrong password");
    let nobody = format!("postgres://nobody:x@127.0.0.1:{}/postgres", server.port);
    assert!(matches!(db::connect(&nobody, Duration::from_secs(5)), Err(DbError::Refused(_))), "unknown user");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let none = format!("postgres://{}:x@127.0.0.1:{closed}/postgres", pg::USER);
    assert!(matches!(db::connect(&none, Duration::from_secs(5)), Err(DbError::Unreachable(_))), "no server");
    assert!(matches!(db::connect("mysql://what", Duration::from_secs(5)), Err(DbError::Usage(_) | DbError::Unreachable(_))));

    // A query that a newer view made stale is cancelled from another thread.
    let mut slow = server.connect();
    let cancel = slow.canceller();
    let started = Instant::now();
    let worker = std::thread::spawn(move || slow.execute_batch("SELECT pg_sleep(30)"));
    std::thread::sleep(Duration::from_millis(300));
    cancel.cancel();
    let outcome = worker.join().unwrap();
    assert!(matches!(outcome, Err(DbError::Cancelled)), "{:?}", outcome.err());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[path = "support/fleet.rs"]
mod fleet;

/// `portolan db import-ais`: a NOAA file loaded with COPY into a table partitioned by month,
/// indexed (GiST, BRIN), with vessels and daily tracks beside it; listed as one table with its
/// time column and read per view and period like any other.
#[test]
fn ais_files_import_into_a_partitioned_indexed_table_with_daily_tracks() {
    let server = pg::Pg::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.csv");
    let (rows, _) = fleet::fleet();
    std::fs::write(&path, fleet::noaa(&rows)).unwrap();
    let mut data = portolan::ais::read::read_path(&path).unwrap();
    portolan::ais::tracks::build(&mut data);
    let positions = data.positions() as i64;

    let import = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan"))
            .args(["db", "import-ais"])
            .arg(&path)
            .args(["--table", "ais.positions", "--db", &server.url()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let said = import();
    assert!(said.contains(&format!("ais.positions: {positions} positions of {} vessels in 2023-08", data.vessels.len())), "{said}");

    let mut c = server.connect();
    let count = |c: &mut db::Connection, sql: &str| -> i64 {
        let mut out = 0;
        c.query_i64(sql).map(|v| out = v).unwrap();
        out
    };
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions"), positions);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'ais.positions'::regclass"), 1, "one monthly partition");
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions_2023_08"), positions);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'ais' AND tablename = 'positions' AND indexdef ILIKE '%USING gist%'"), 1);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'ais' AND tablename = 'positions' AND indexdef ILIKE '%USING brin%'"), 1);
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions_vessels WHERE name IS NOT NULL"), data.vessels.iter().filter(|v| v.name.is_some()).count() as i64);
    let days = count(&mut c, "SELECT count(*) FROM ais.positions_daily");
    assert!(days >= data.vessels.len() as i64, "{days} vessel-days");
    assert_eq!(count(&mut c, "SELECT sum(positions) FROM ais.positions_daily"), count(&mut c, "SELECT count(*) FROM ais.positions WHERE NOT suspect"));
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions_daily WHERE GeometryType(geom) = 'LINESTRING'"), days, "a line a vessel-day");

    // Listed once (not per partition), with its time column; read per view and period.
    let tables = c.tables().unwrap();
    let t = tables.iter().find(|t| t.title() == "ais.positions").expect("listed");
    assert!(!tables.iter().any(|t| t.name.starts_with("positions_2023")), "partitions are not listed");
    assert_eq!(t.time_column.as_deref(), Some("t"));
    let first_day = View { bbox: [100.0, 0.0, 179.0, 60.0], tolerance: 0.0, time: Some(("2023-08-01".into(), "2023-08-01".into())), limit: 1_000_000 };
    let r = c.read_view(t, &first_day).unwrap();
    let on_day_one = data.vessels.iter().flat_map(|v| &v.fixes).filter(|f| f.t < fleet::T0 + 86_400).count();
    assert_eq!(r.layer.features.len(), on_day_one);

    // An archive: monthly lines zoomed out, daily lines closer, positions closest; each a
    // vessel's, named, and filtered by the timeline.
    let archive = db::ais::Archive::of(&tables, t).expect("listed as an archive");
    assert!(db::ais::Archive::of(&tables, &archive.daily).is_none());
    let months = count(&mut c, "SELECT count(*) FROM ais.positions_monthly");
    assert_eq!(months, count(&mut c, "SELECT count(DISTINCT (mmsi, date_trunc('month', day))) FROM ais.positions_daily"));
    assert_eq!(count(&mut c, "SELECT sum(positions) FROM ais.positions_monthly"), count(&mut c, "SELECT sum(positions) FROM ais.positions_daily"));
    let at = |bbox: [f64; 4], time: Option<(&str, &str)>| {
        let mut v = View::of_map(bbox, 1920.0, 50_000);
        v.time = time.map(|(a, b)| (a.to_owned(), b.to_owned()));
        v
    };
    let zoomed_out = c.read_archive(&archive, &at([100.0, 0.0, 179.0, 60.0], None)).unwrap();
    assert_eq!(zoomed_out.level, Some(db::ais::Level::Monthly));
    assert_eq!(zoomed_out.layer.features.len() as i64, months);
    assert!(zoomed_out.layer.features.iter().any(|f| f.str_prop("name").is_some()), "lines carry the vessel's name");
    // A timeline on two days of August still shows August's lines.
    let late_august = c.read_archive(&archive, &at([100.0, 0.0, 179.0, 60.0], Some(("2023-08-20", "2023-08-21")))).unwrap();
    assert_eq!(late_august.layer.features.len() as i64, months);
    let gulf = c.read_archive(&archive, &at([131.0, 42.0, 132.5, 43.5], None)).unwrap();
    assert_eq!(gulf.level, Some(db::ais::Level::Daily));
    assert!(!gulf.layer.features.is_empty() && gulf.layer.features.iter().all(|f| f.properties.get("day").is_some()));
    let bay = c.read_archive(&archive, &at([131.7, 42.9, 132.1, 43.2], None)).unwrap();
    assert_eq!(bay.level, Some(db::ais::Level::Positions));
    assert!(bay.layer.features.iter().all(|f| matches!(f.geometry, Some(geo::Geometry::Point(_)))));

    // The detectors on the archive's vessels in a box and period find what they find in the
    // file: the same vessels, positions and events.
    let mut from_db = c.read_ais(&archive, [100.0, 0.0, 179.0, 60.0], "2023-08-01", "2023-08-31", 10_000_000).unwrap();
    portolan::ais::tracks::build(&mut from_db);
    assert_eq!(from_db.vessels.len(), data.vessels.len());
    assert_eq!(from_db.positions(), data.positions());
    let ports = portolan::ais::shore::Ports::with_embedded(Vec::new());
    let cx = portolan::ais::detect::Context { params: Default::default(), ports: &ports, shore: portolan::ais::shore::Shore::embedded() };
    let kinds = |d: &portolan::ais::AisData| {
        let mut k: Vec<_> = portolan::ais::detect::all(d, &cx).iter().map(|e| (e.kind.as_str(), e.mmsi, e.start, e.end)).collect();
        k.sort();
        k
    };
    assert_eq!(kinds(&from_db), kinds(&data));
    // Only the vessels the box saw: none far east of Japan near 150° E.
    let west = c.read_ais(&archive, [100.0, 0.0, 140.0, 60.0], "2023-08-01", "2023-08-31", 10_000_000).unwrap();
    assert!(!west.vessels.is_empty() && west.vessels.len() < data.vessels.len(), "{} of {}", west.vessels.len(), data.vessels.len());
    assert!(matches!(c.read_ais(&archive, [100.0, 0.0, 179.0, 60.0], "2023-08-01", "2023-08-31", 10), Err(DbError::Usage(m)) if m.contains("zoom in")));
    // And from the command line.
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).args(args).args(["--db", &server.url()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text[text.find("events:").expect("events listed")..].to_owned()
    };
    let path_text = path.to_str().unwrap();
    assert_eq!(cli(&["ais", "--table", "ais.positions", "--bbox", "100,0,179,60", "--from", "2023-08", "--to", "2023-08"]), cli(&["ais", path_text]));

    // A second import appends; the daily tracks are rebuilt, not doubled. Made as an archive
    // from before the monthly lines and names: the import makes them for all it holds.
    c.execute_batch("DROP TABLE ais.positions_monthly; UPDATE ais.positions_daily SET name = NULL").unwrap();
    import();
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions_daily WHERE name IS NULL AND mmsi IN (SELECT mmsi FROM ais.positions_vessels WHERE name IS NOT NULL)"), 0);
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions"), 2 * positions);
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions_daily"), days);
    assert_eq!(count(&mut c, "SELECT count(*) FROM ais.positions_monthly"), months);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'ais' AND tablename = 'positions' AND indexdef LIKE '%(mmsi, t)%'"), 1);
}

/// A server that takes encrypted connections only: Portolan connects over TLS (its self-signed
/// certificate accepted, as libpq's default does); asking for no encryption is refused.
#[test]
fn tls_where_the_server_asks_for_it() {
    let server = pg::Pg::start();
    assert!(!server.connect().encrypted().unwrap(), "a server without TLS is reached without");
    server.require_tls();
    let mut c = server.connect();
    assert!(c.encrypted().unwrap());
    assert_eq!(c.query_i64("SELECT 6 * 7").unwrap(), 42);
    let c = db::connect(&format!("{}?sslmode=require", server.url()), Duration::from_secs(10));
    assert!(c.unwrap().encrypted().unwrap());
    match db::connect(&format!("{}?sslmode=disable", server.url()), Duration::from_secs(10)) {
        Err(DbError::Refused(m) | DbError::Query(m)) => assert!(m.contains("no encryption") || m.contains("pg_hba"), "{m}"),
        Err(e) => panic!("refused for want of encryption, not: {e}"),
        Ok(_) => panic!("an unencrypted connection was let in"),
    }
}
