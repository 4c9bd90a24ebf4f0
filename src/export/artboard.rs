//! Artboards: the sizes a newsroom publishes one map at — a phone, a desktop article, social
//! posts, and newspaper columns in print — as named presets, and page sizes in pixels or
//! millimetres (`1920x1080`, `107mmx90mm`).
//!
//! Pixel sizes are layout pixels, drawn at the export's `scale`. Millimetre sizes are laid out
//! in CSS pixels (96 per inch), so that type has the same physical size as on a screen page
//! (a 13.5 px legend prints at 10 pt), and drawn at `dpi / 96` device pixels per layout
//! pixel: 107 mm at 300 dpi is 404 layout pixels and 1,264 device pixels. The page reflows its
//! texts for every size (see [`super::layout`]).

use super::ExportSpec;

/// Layout pixels per inch for pages given in millimetres (CSS pixels).
pub const PX_PER_INCH: f32 = 96.0;
/// The resolution of print artboards unless the user asks for another.
pub const PRINT_DPI: f32 = 300.0;

/// A page size as the user gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PageSize {
    /// Layout pixels, drawn at the export's scale.
    Px([u32; 2]),
    /// Millimetres, printed at the export's dpi.
    Mm([f32; 2]),
}

impl PageSize {
    /// `1920x1080`, `107mmx90mm` or `107x90mm` (spaces and `×` allowed).
    pub fn parse(s: &str) -> Result<PageSize, String> {
        let s = s.trim().to_ascii_lowercase().replace(' ', "").replace('×', "x");
        let usage = || format!("{s:?}: expected WIDTHxHEIGHT in pixels (1920x1080) or millimetres (107mmx90mm)");
        let (w, h) = s.split_once('x').ok_or_else(usage)?;
        if h.ends_with("mm") || w.ends_with("mm") {
            let mm = |v: &str| v.trim_end_matches("mm").parse::<f32>().ok().filter(|v| v.is_finite() && *v > 0.0);
            match (mm(w), mm(h)) {
                (Some(w), Some(h)) if w <= 2000.0 && h <= 2000.0 => Ok(PageSize::Mm([w, h])),
                (Some(_), Some(_)) => Err(format!("{s:?}: a page is at most 2000 mm a side")),
                _ => Err(usage()),
            }
        } else {
            let px = |v: &str| v.trim_end_matches("px").parse::<u32>().ok();
            match (px(w), px(h)) {
                (Some(w), Some(h)) => Ok(PageSize::Px([w, h])),
                _ => Err(usage()),
            }
        }
    }

    /// Sets the spec's page size, scale and resolution. A millimetre page takes its scale
    /// from `dpi` (default [`PRINT_DPI`]); a pixel page keeps `scale` and `dpi` as given.
    pub fn apply(self, spec: &mut ExportSpec, scale: f32, dpi: Option<f32>) {
        match self {
            PageSize::Px(size) => {
                spec.size = size;
                spec.scale = scale;
                spec.dpi = dpi;
            }
            PageSize::Mm([w, h]) => {
                let dpi = dpi.unwrap_or(PRINT_DPI);
                let px = |mm: f32| (mm / 25.4 * PX_PER_INCH).round() as u32;
                spec.size = [px(w), px(h)];
                spec.scale = dpi / PX_PER_INCH;
                spec.dpi = Some(dpi);
            }
        }
    }
}

impl std::fmt::Display for PageSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageSize::Px([w, h]) => write!(f, "{w}×{h} px"),
            PageSize::Mm([w, h]) => write!(f, "{w}×{h} mm"),
        }
    }
}

/// A named page size with the scale it is usually published at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Artboard {
    /// What `--artboards` and file names call it.
    pub name: &'static str,
    /// What the export dialog shows.
    pub label: &'static str,
    pub size: PageSize,
    /// Device pixels per layout pixel for pixel pages (phones have dense screens: 2x).
    pub scale: f32,
}

/// The presets. Screen sizes follow what newsroom graphics tools offer (Datawrapper's and
/// ai2html's breakpoints, the feed and story sizes of the social platforms); print columns
/// are a common broadsheet grid of 52, 107 and 163 mm (column 52 mm, gutter 3 mm).
pub const PRESETS: &[Artboard] = &[
    Artboard { name: "mobile", label: "Mobile (400 px wide)", size: PageSize::Px([400, 600]), scale: 2.0 },
    Artboard { name: "desktop", label: "Desktop article (1200 px)", size: PageSize::Px([1200, 800]), scale: 1.0 },
    Artboard { name: "wide", label: "Wide desktop (1920 px)", size: PageSize::Px([1920, 1080]), scale: 1.0 },
    Artboard { name: "square", label: "Square social (1080×1080)", size: PageSize::Px([1080, 1080]), scale: 1.0 },
    Artboard { name: "vertical", label: "Vertical social (1080×1350)", size: PageSize::Px([1080, 1350]), scale: 1.0 },
    Artboard { name: "story", label: "Story (1080×1920)", size: PageSize::Px([1080, 1920]), scale: 1.0 },
    Artboard { name: "print1", label: "Print, one column (52 mm)", size: PageSize::Mm([52.0, 80.0]), scale: 1.0 },
    Artboard { name: "print2", label: "Print, two columns (107 mm)", size: PageSize::Mm([107.0, 90.0]), scale: 1.0 },
    Artboard { name: "print3", label: "Print, three columns (163 mm)", size: PageSize::Mm([163.0, 110.0]), scale: 1.0 },
];

/// The preset called `name` (case-insensitive).
pub fn preset(name: &str) -> Option<&'static Artboard> {
    PRESETS.iter().find(|a| a.name.eq_ignore_ascii_case(name.trim()))
}

/// Every preset's name, for messages.
pub fn preset_names() -> String {
    PRESETS.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
}

impl Artboard {
    /// Sets the spec to this artboard; `scale` and `dpi` override the preset's when given.
    pub fn apply(&self, spec: &mut ExportSpec, scale: Option<f32>, dpi: Option<f32>) {
        self.size.apply(spec, scale.unwrap_or(self.scale), dpi);
    }
}

/// `map.png` for the artboard `mobile` is `map-mobile.png`.
pub fn file_for(out: &std::path::Path, artboard: &str) -> std::path::PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "map".into());
    let name = match out.extension() {
        Some(ext) => format!("{stem}-{artboard}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{artboard}"),
    };
    out.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(PageSize::parse("1920x1080"), Ok(PageSize::Px([1920, 1080])));
        assert_eq!(PageSize::parse(" 400 × 600 "), Ok(PageSize::Px([400, 600])));
        assert_eq!(PageSize::parse("107mmx90mm"), Ok(PageSize::Mm([107.0, 90.0])));
        assert_eq!(PageSize::parse("52x70mm"), Ok(PageSize::Mm([52.0, 70.0])));
        assert_eq!(PageSize::parse("107.5MMx90MM"), Ok(PageSize::Mm([107.5, 90.0])));
        for bad in ["", "1920", "axb", "-5mmx3mm", "0mmx90mm", "NaNmmx3mm", "3000mmx100mm", "12x"] {
            assert!(PageSize::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn millimetres_print_at_their_size() {
        let layer = crate::model::Layer::default();
        let mut spec = ExportSpec::new(vec![super::super::ExportLayer { layer: &layer, opacity: 1.0 }]);
        PageSize::Mm([107.0, 90.0]).apply(&mut spec, 1.0, None);
        assert_eq!(spec.size, [404, 340]);
        assert_eq!(spec.dpi, Some(300.0));
        let [w, _] = spec.output_size();
        // 1,263 device pixels at 300 dpi: 106.9 mm.
        assert!((f64::from(w) / 300.0 * 25.4 - 107.0).abs() < 0.3, "{w}");
    }

    #[test]
    fn presets_and_file_names() {
        assert_eq!(preset("Mobile").map(|a| a.size), Some(PageSize::Px([400, 600])));
        assert!(preset("tabloid").is_none());
        assert_eq!(file_for(std::path::Path::new("out/map.png"), "print2"), std::path::Path::new("out/map-print2.png"));
    }
}
