//! Writes synthetic AIS files (see `tests/support/ais_gen.rs`), deterministically.
//!
//! `cargo run --release --example gen_ais -- OUT_DIR [--seed N]` writes the small scenario in
//! every format: `scenario.<format>.csv` (noaa, noaa_snake, dma, gfw, marinetraffic, spire,
//! generic), `scenario.nmea`, `scenario.noaa.csv.gz`, and `planted.csv`
//! (kind,mmsi,other_mmsi,start,end,likely_off with ISO times).
//!
//! `... -- OUT_DIR --bulk VESSELS POSITIONS [--seed N]` writes `bulk_noaa.csv` and
//! `bulk_planted.csv` instead (1,000 × 10,000 is 10 million rows, about 1 GB).

use std::path::PathBuf;
use std::time::Instant;

#[path = "../tests/support/ais_gen.rs"]
mod ais_gen;

use ais_gen::Format;

fn usage() -> ! {
    eprintln!("usage: gen_ais OUT_DIR [--bulk VESSELS POSITIONS] [--seed N]");
    std::process::exit(2)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut seed = 7u64;
    let mut bulk: Option<(usize, usize)> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| usage()),
            "--bulk" => {
                let v = args
                    .next()
                    .and_then(|s| s.replace('_', "").parse().ok())
                    .unwrap_or_else(|| usage());
                let p = args
                    .next()
                    .and_then(|s| s.replace('_', "").parse().ok())
                    .unwrap_or_else(|| usage());
                bulk = Some((v, p));
            }
            "-h" | "--help" => usage(),
            dir if out.is_none() && !dir.starts_with("--") => out = Some(PathBuf::from(dir)),
            _ => usage(),
        }
    }
    let out = out.unwrap_or_else(|| usage());
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    if let Some((vessels, positions)) = bulk {
        let s = ais_gen::bulk(seed, vessels, positions);
        let generated = started.elapsed();
        let path = out.join("bulk_noaa.csv");
        ais_gen::write_file(&s, Format::Noaa, &path)?;
        let mut planted = std::fs::File::create(out.join("bulk_planted.csv"))?;
        ais_gen::write_planted(&s, &mut planted)?;
        eprintln!(
            "{}: {} rows ({} vessels × {} positions, {} duplicates, {} unplaceable), {} planted; generated in {:.1?}, total {:.1?}",
            path.display(),
            s.row_count(),
            vessels,
            positions,
            s.duplicates,
            s.unplaceable,
            s.planted.len(),
            generated,
            started.elapsed()
        );
    } else {
        let s = ais_gen::scenario(seed);
        for format in Format::ALL {
            let name = match format {
                Format::Nmea => "scenario.nmea".to_string(),
                f => format!("scenario.{}.csv", f.name()),
            };
            ais_gen::write_file(&s, format, &out.join(name))?;
        }
        ais_gen::write_file(&s, Format::Noaa, &out.join("scenario.noaa.csv.gz"))?;
        let mut planted = std::fs::File::create(out.join("planted.csv"))?;
        ais_gen::write_planted(&s, &mut planted)?;
        eprintln!(
            "{}: scenario seed {seed}: {} vessels, {} rows per format ({} duplicates, {} unplaceable), {} planted events, in {:.1?}",
            out.display(),
            s.vessels.len(),
            s.row_count(),
            s.duplicates,
            s.unplaceable,
            s.planted.len(),
            started.elapsed()
        );
    }
    Ok(())
}
