//! The look of the offline basemap as plain data: colours, line widths, dash patterns.
//!
//! Everything here is a value, not drawing code, so that every backend (the tile renderer in
//! [`super::render`], the SVG export, a legend) reads the same numbers. Colours are
//! [`Rgba`] (sRGB bytes, straight alpha), not a type of any drawing library.
//!
//! Sizes are **pixels of a 256-pixel tile** (CSS-pixel-like units): a renderer multiplies them
//! by its pixel ratio (2 for 512-pixel HiDPI tiles, the export's scale factor, ...).
//!
//! The palette is deliberately calm, light and low in saturation, so that case data drawn on
//! top in colour-blind-safe hues (Okabe–Ito orange, sky blue, bluish green, vermillion, ...)
//! stands out: water is a pale grey-blue, land a warm off-white, lines are greys with only a
//! hint of hue, and nothing on the basemap is darker than mid grey.

/// An sRGB colour with straight (not premultiplied) alpha, as bytes `[r, g, b, a]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Rgba([r, g, b, 255])
    }

    /// The same colour with another alpha.
    pub const fn with_alpha(self, a: u8) -> Self {
        let [r, g, b, _] = self.0;
        Rgba([r, g, b, a])
    }

    /// The alpha scaled by `factor`, e.g. to dim what lies outside the time range.
    pub fn faded(self, factor: f32) -> Self {
        self.with_alpha((f32::from(self.0[3]) * factor).round().clamp(0.0, 255.0) as u8)
    }

    pub const fn r(self) -> u8 {
        self.0[0]
    }
    pub const fn g(self) -> u8 {
        self.0[1]
    }
    pub const fn b(self) -> u8 {
        self.0[2]
    }
    pub const fn a(self) -> u8 {
        self.0[3]
    }

    /// `#rrggbb`, for SVG and CSS (the alpha goes into a separate `opacity`).
    pub fn to_hex_rgb(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r(), self.g(), self.b())
    }

    /// Alpha as a number in `[0, 1]`, for SVG `opacity` attributes.
    pub fn opacity(self) -> f32 {
        f32::from(self.a()) / 255.0
    }
}

/// A value that changes with zoom: straight lines between `(zoom, value)` stops, constant
/// before the first stop and after the last. Stops must be sorted by zoom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoomCurve(pub &'static [(f32, f32)]);

impl ZoomCurve {
    /// The value at a (possibly fractional) zoom. An empty curve is 0.
    pub fn at(&self, zoom: f64) -> f32 {
        let zoom = zoom as f32;
        let stops = self.0;
        let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
            return 0.0;
        };
        if zoom.is_nan() || zoom <= first.0 {
            return first.1;
        }
        if zoom >= last.0 {
            return last.1;
        }
        for pair in stops.windows(2) {
            let ((z0, v0), (z1, v1)) = (pair[0], pair[1]);
            if zoom <= z1 {
                let t = if z1 > z0 {
                    (zoom - z0) / (z1 - z0)
                } else {
                    1.0
                };
                return v0 + (v1 - v0) * t;
            }
        }
        last.1
    }
}

/// How one kind of line is stroked. Widths and dashes are in 256-tile pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineStyle {
    pub color: Rgba,
    pub width: ZoomCurve,
    /// On/off lengths, or `None` for a solid line. Dashes continue across tile edges.
    pub dash: Option<&'static [f32]>,
    /// The line is not drawn below this zoom.
    pub min_zoom: f32,
}

/// How ports are marked: a dot below `anchor_min_zoom`, a small anchor from there on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PortStyle {
    pub color: Rgba,
    /// A light outline under the symbol so that it reads on land, sea and lines alike.
    pub halo: Rgba,
    /// Diameter of the dot.
    pub dot_size: f32,
    /// Height of the anchor.
    pub anchor_size: ZoomCurve,
    pub anchor_min_zoom: f32,
    pub min_zoom: f32,
}

/// Rivers: one colour, a width curve for the biggest rivers, and a factor per Natural Earth
/// `scalerank` (0 = most important … 10 = least) that thins the smaller ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiverStyle {
    pub color: Rgba,
    pub width: ZoomCurve,
    pub rank_factor: [f32; 11],
}

impl RiverStyle {
    /// The factor for a scalerank (ranks beyond the table use its last entry).
    pub fn factor(&self, scalerank: u8) -> f32 {
        let last = self.rank_factor.len() - 1;
        self.rank_factor[usize::from(scalerank).min(last)]
    }
}

/// Every colour and size the basemap is drawn with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BasemapStyle {
    /// The background: there are no ocean polygons, the sea is what land does not cover.
    pub sea: Rgba,
    pub land: Rgba,
    pub urban: Rgba,
    /// Opacity of the urban fill by zoom: Natural Earth's 1:50m urban areas are coarse
    /// blobs, which fade out at street scales where they would mislead.
    pub urban_opacity: ZoomCurve,
    pub urban_min_zoom: f32,
    /// Lake fill: the sea colour, so that water reads as one thing.
    pub lake: Rgba,
    pub lake_outline: LineStyle,
    pub river: RiverStyle,
    pub coastline: LineStyle,
    /// First-order administrative lines (oblasts, provinces) of RUS, CHN, PRK and KOR.
    pub admin1: LineStyle,
    /// A soft, wide band under land borders that makes them legible over rivers and rails.
    pub border_casing: LineStyle,
    pub border: LineStyle,
    /// Disputed, claimed and indefinite borders, lines of control.
    pub border_disputed: LineStyle,
    /// Indicative sea limits (median and treaty lines): faint, so they never compete with
    /// drawn sea routes.
    pub maritime: LineStyle,
    pub rail: LineStyle,
    /// Trunk lines (Natural Earth scalerank ≤ 5, e.g. the Trans-Siberian).
    pub rail_trunk: LineStyle,
    /// Cross ties drawn across the rails at large scales (a dash pattern on a wide stroke).
    pub rail_ties: LineStyle,
    /// Train ferries.
    pub rail_ferry: LineStyle,
    pub port: PortStyle,
}

/// The default basemap look.
pub const DEFAULT: BasemapStyle = BasemapStyle {
    sea: Rgba::rgb(0xd3, 0xdf, 0xe6),
    land: Rgba::rgb(0xf4, 0xf2, 0xec),
    urban: Rgba::rgb(0xe6, 0xe0, 0xd5),
    urban_opacity: ZoomCurve(&[(9.0, 1.0), (12.0, 0.35)]),
    urban_min_zoom: 4.0,
    lake: Rgba::rgb(0xd3, 0xdf, 0xe6),
    lake_outline: LineStyle {
        color: Rgba::rgb(0xa6, 0xbc, 0xc9),
        width: ZoomCurve(&[(0.0, 0.35), (6.0, 0.5), (10.0, 0.7)]),
        dash: None,
        min_zoom: 4.0,
    },
    river: RiverStyle {
        color: Rgba::rgb(0x9e, 0xbb, 0xcc),
        width: ZoomCurve(&[
            (0.0, 0.5),
            (4.0, 0.9),
            (6.0, 1.3),
            (8.0, 1.8),
            (10.0, 2.4),
            (13.0, 3.2),
        ]),
        rank_factor: [1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4],
    },
    coastline: LineStyle {
        color: Rgba::rgb(0x98, 0xb0, 0xbf),
        width: ZoomCurve(&[(0.0, 0.45), (5.0, 0.65), (8.0, 0.9), (12.0, 1.2)]),
        dash: None,
        min_zoom: 0.0,
    },
    admin1: LineStyle {
        color: Rgba::rgb(0xbc, 0xb2, 0xb6),
        width: ZoomCurve(&[(4.0, 0.5), (7.0, 0.7), (10.0, 0.9)]),
        dash: Some(&[3.0, 2.0]),
        min_zoom: 4.0,
    },
    border_casing: LineStyle {
        color: Rgba::rgb(0xe4, 0xdc, 0xe4),
        width: ZoomCurve(&[(0.0, 0.0), (3.0, 0.0), (4.0, 2.5), (8.0, 4.5), (12.0, 6.0)]),
        dash: None,
        min_zoom: 4.0,
    },
    border: LineStyle {
        color: Rgba::rgb(0x9d, 0x87, 0xa8),
        width: ZoomCurve(&[(0.0, 0.5), (3.0, 0.7), (6.0, 1.0), (10.0, 1.4)]),
        dash: None,
        min_zoom: 0.0,
    },
    border_disputed: LineStyle {
        color: Rgba::rgb(0x9d, 0x87, 0xa8),
        width: ZoomCurve(&[(0.0, 0.5), (3.0, 0.7), (6.0, 1.0), (10.0, 1.4)]),
        dash: Some(&[4.0, 2.5]),
        min_zoom: 0.0,
    },
    maritime: LineStyle {
        color: Rgba::rgb(0xa4, 0xb6, 0xc2),
        width: ZoomCurve(&[(0.0, 0.5), (8.0, 0.7)]),
        dash: Some(&[1.0, 3.0]),
        min_zoom: 4.0,
    },
    rail: LineStyle {
        color: Rgba::rgb(0x9b, 0x9b, 0x9b),
        width: ZoomCurve(&[(5.0, 0.5), (8.0, 0.8), (12.0, 1.1)]),
        dash: None,
        min_zoom: 3.0,
    },
    rail_trunk: LineStyle {
        color: Rgba::rgb(0x8e, 0x8e, 0x8e),
        width: ZoomCurve(&[(3.0, 0.4), (5.0, 0.65), (6.0, 0.9), (8.0, 1.2), (12.0, 1.5)]),
        dash: None,
        min_zoom: 3.0,
    },
    rail_ties: LineStyle {
        color: Rgba::rgb(0x9b, 0x9b, 0x9b),
        width: ZoomCurve(&[(8.0, 3.5), (12.0, 5.0)]),
        dash: Some(&[1.0, 7.0]),
        min_zoom: 8.0,
    },
    rail_ferry: LineStyle {
        color: Rgba::rgb(0xa8, 0xb4, 0xbc),
        width: ZoomCurve(&[(5.0, 0.6), (10.0, 1.0)]),
        dash: Some(&[3.0, 3.0]),
        min_zoom: 5.0,
    },
    port: PortStyle {
        color: Rgba::rgb(0x5f, 0x78, 0x8a),
        halo: Rgba::rgb(0xf8, 0xf8, 0xf6).with_alpha(0xd8),
        dot_size: 3.6,
        anchor_size: ZoomCurve(&[(6.0, 8.0), (10.0, 10.0)]),
        anchor_min_zoom: 6.0,
        min_zoom: 3.0,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_curve_interpolates_and_clamps() {
        let c = ZoomCurve(&[(2.0, 1.0), (4.0, 3.0)]);
        assert_eq!(c.at(0.0), 1.0);
        assert_eq!(c.at(3.0), 2.0);
        assert_eq!(c.at(9.0), 3.0);
        assert_eq!(c.at(f64::NAN), 1.0);
        assert_eq!(ZoomCurve(&[]).at(3.0), 0.0);
    }

    #[test]
    fn hex() {
        assert_eq!(Rgba::rgb(0xd3, 0xdf, 0xe6).to_hex_rgb(), "#d3dfe6");
        assert_eq!(Rgba::rgb(1, 2, 3).with_alpha(0).opacity(), 0.0);
    }

    #[test]
    fn land_and_sea_differ() {
        // Tests that look for land or sea pixels rely on this.
        assert_ne!(DEFAULT.land, DEFAULT.sea);
        assert_ne!(DEFAULT.coastline.color, DEFAULT.land);
    }
}
