#!/usr/bin/env python3
"""Mapnik's side of the export comparison in `cargo bench --bench large_data -- mapnik`.

Renders one GeoJSON file the way `portolan export FILE --scale S` draws a plain layer
(lines sky blue 2 px, areas sky blue at 50/255 with a 1.5 px outline, points 9 px purple
discs with a 1.5 px white ring), at 1920x1080 css px times the scale, fitted to the data,
and saves a PNG. It times the whole job in one process: load the file, render, save. Mapnik
draws no basemap, title or legend here, so the comparison is generous to Mapnik.

    /usr/bin/python3 benches/mapnik_compare.py FILE OUT.png SCALE

prints one line: `seconds=<load+render+save> peak_kb=<max resident set>`.
Needs Debian's python3-mapnik (Mapnik 3.1) for the system python.
"""
import resource
import sys
import time

import mapnik

STYLE = """<Map srs="epsg:3857" background-color="#d3dfe6">
<Style name="plain">
  <Rule><Filter>[mapnik::geometry_type]=polygon</Filter>
    <PolygonSymbolizer fill="#56B4E9" fill-opacity="0.196"/>
    <LineSymbolizer stroke="#56B4E9" stroke-width="1.5"/></Rule>
  <Rule><Filter>[mapnik::geometry_type]=linestring</Filter>
    <LineSymbolizer stroke="#56B4E9" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/></Rule>
  <Rule><Filter>[mapnik::geometry_type]=point</Filter>
    <MarkersSymbolizer fill="#CC79A7" stroke="white" stroke-width="1.5" width="9" height="9"
      allow-overlap="true" ignore-placement="true"/></Rule>
</Style>
<Layer name="data" srs="epsg:4326"><StyleName>plain</StyleName>
  <Datasource><Parameter name="type">geojson</Parameter><Parameter name="file">{path}</Parameter>
  <Parameter name="cache_features">true</Parameter></Datasource></Layer>
</Map>"""


def main():
    path, out, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
    start = time.perf_counter()
    m = mapnik.Map(int(1920 * scale), int(1080 * scale))
    mapnik.load_map_from_string(m, STYLE.format(path=path))
    m.zoom_all()
    image = mapnik.Image(m.width, m.height)
    mapnik.render(m, image, scale)
    image.save(out, "png")
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"seconds={seconds:.3f} peak_kb={peak_kb}")


if __name__ == "__main__":
    main()
