#!/usr/bin/env python3
"""pandas' side of `cargo bench --bench ais`: the same read and gap detection as Portolan's,
done the way an analyst would in a notebook.

Reads the NOAA MarineCadastre CSV (the position columns, times parsed with their format),
drops the not-available positions (lat 91 / lon 181), sorts by vessel and time, drops repeated
reports, and counts the gaps of 6 hours or more between a vessel's consecutive positions.
(Portolan also drops positions over 50 knots from their neighbours before looking for gaps;
pandas here does not, which only makes its job lighter.)

    python3 benches/pandas_ais.py FILE.csv

prints `seconds=<read + gaps> gaps=<count>`.
"""
import sys
import time

import pandas as pd


def main():
    path = sys.argv[1]
    start = time.perf_counter()
    df = pd.read_csv(path, usecols=["MMSI", "BaseDateTime", "LAT", "LON", "SOG", "COG", "Heading"])
    df["t"] = pd.to_datetime(df["BaseDateTime"], format="%Y-%m-%dT%H:%M:%S")
    df = df[(df["LAT"] != 91) & (df["LON"] != 181)]
    df = df.sort_values(["MMSI", "t"]).drop_duplicates(["MMSI", "t", "LAT", "LON"])
    dt = df.groupby("MMSI")["t"].diff()
    gaps = int((dt >= pd.Timedelta(hours=6)).sum())
    seconds = time.perf_counter() - start
    print(f"seconds={seconds:.3f} gaps={gaps}")


if __name__ == "__main__":
    main()
