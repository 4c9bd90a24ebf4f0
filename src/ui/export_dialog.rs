//! The export dialog: the publication snapshot of the current view, layers and time range,
//! with a live preview of the page and a native save dialog.

use egui::{TextureHandle, TextureOptions};

use crate::document::OpenLayer;
use super::map_view::MapState;
use crate::export::artboard::{self, Artboard, PageSize};
use std::path::PathBuf;

use crate::export::animate::{Animated, Animation, Step};
use crate::export::{self, BasemapChoice, ExportError, ExportLayer, ExportSpec, Extent, Format};
use crate::model::time::DateRange;

pub struct ExportDialog {
    pub title: String,
    pub subtitle: String,
    pub source: String,
    pub credit: String,
    /// The page size (a preset: phone, desktop, social, print columns).
    pub artboard: &'static Artboard,
    /// Device pixels per layout pixel of a screen artboard (print ones follow their dpi).
    pub scale: f32,
    pub format: Format,
    /// Show the map's current view; otherwise fit everything.
    pub current_view: bool,
    /// Keep only what the timeline's range shows.
    pub use_time_range: bool,
    /// A dark page (dark basemap, light text).
    pub dark: bool,
    /// A magnified inset: `auto` (where labelled sites crowd) or `W,S,E,N`; empty for none.
    pub detail: String,
    /// Where the page finds labelled sites crowding (the box to offer for an inset).
    suggested_detail: Option<[f64; 4]>,
    preview: Option<TextureHandle>,
    preview_key: String,
    pub message: Option<String>,
    /// The animation of the timeline, written instead of one page when on.
    pub animation: AnimationChoice,
    /// An animation being made on a worker thread, and where it goes.
    job: Option<(std::thread::JoinHandle<Result<Animated, ExportError>>, PathBuf)>,
}

/// What the Animation section holds.
pub struct AnimationChoice {
    pub on: bool,
    /// `START/END` (ISO 8601); empty: the timeline's range.
    pub range: String,
    pub step: Step,
    pub fps: f32,
    /// MP4 (H.264) instead of GIF.
    pub mp4: bool,
}

impl Default for AnimationChoice {
    fn default() -> Self {
        AnimationChoice { on: false, range: String::new(), step: Step::Weeks(1), fps: 2.0, mp4: false }
    }
}

impl Default for ExportDialog {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            source: String::new(),
            credit: String::new(),
            artboard: artboard::preset("wide").unwrap_or(&artboard::PRESETS[0]),
            scale: 2.0,
            format: Format::Png,
            current_view: true,
            use_time_range: true,
            dark: false,
            detail: String::new(),
            suggested_detail: None,
            preview: None,
            preview_key: String::new(),
            message: None,
            animation: AnimationChoice::default(),
            job: None,
        }
    }
}

/// A step as the dialog's list names it.
fn step_name(step: Step) -> String {
    let (n, unit) = match step {
        Step::Days(n) => (n, "day"),
        Step::Weeks(n) => (n, "week"),
        Step::Months(n) => (n, "month"),
    };
    if n == 1 { format!("a frame a {unit}") } else { format!("a frame every {n} {unit}s") }
}

/// An empty field means "the default" (from the case); anything else is used as written.
fn text(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

impl ExportDialog {
    /// The export the dialog describes, for these layers and this map.
    pub fn spec<'a>(&self, layers: &'a [OpenLayer], map: &MapState, time_range: Option<DateRange>) -> ExportSpec<'a> {
        let visible: Vec<&OpenLayer> = layers.iter().filter(|l| l.visible).collect();
        let inputs = visible.iter().map(|l| ExportLayer { layer: &l.layer, opacity: l.opacity }).collect();
        let mut spec = ExportSpec::new(inputs);
        // The overlays switched off in the layers panel stay off on the page.
        spec.hidden_overlays = visible.iter().enumerate().flat_map(|(i, l)| l.hidden_overlays.iter().map(move |&o| [i, o])).collect();
        if self.current_view
            && let Some(t) = map.transform
            && let Some(rect) = map.rect
        {
            let (lon, lat) = t.lonlat_from_screen([rect.width() / 2.0, rect.height() / 2.0]);
            spec.extent = Extent::View { lon, lat, zoom: map.memory.zoom() };
        } else {
            spec.extent = Extent::Fit;
        }
        spec.time_range = if self.use_time_range { time_range } else { None };
        spec.theme = if self.dark { export::theme::Theme::Dark } else { export::theme::Theme::Light };
        spec.detail = export::DetailBox::parse(&self.detail).ok();
        self.artboard.apply(&mut spec, Some(self.scale), None);
        spec.format = self.format;
        spec.title = text(&self.title);
        spec.subtitle = text(&self.subtitle);
        spec.source = text(&self.source);
        spec.credit = text(&self.credit);
        if let Some(o) = &map.online {
            spec.basemap = BasemapChoice::Tiles(o.fetcher.clone());
        }
        spec
    }

    /// Writes the export; the outcome is shown in the dialog.
    pub fn export_to(&mut self, spec: &ExportSpec, path: &std::path::Path) -> bool {
        match export::save(spec, path) {
            Ok(done) => {
                let mut msg = format!(
                    "Wrote {} ({}×{} px, {:.0} dpi) and its alt text {}",
                    path.display(),
                    done.size_px[0],
                    done.size_px[1],
                    done.dpi,
                    export::alt_text_path(path).display()
                );
                for n in done.notices {
                    msg.push_str(&format!("\n{n}"));
                }
                self.message = Some(msg);
                true
            }
            Err(e) => {
                self.message = Some(format!("Could not export: {e}"));
                false
            }
        }
    }

    /// The animation the dialog describes: its range, else the timeline's, else the span of
    /// the open case.
    pub fn animation(&self, time_range: Option<DateRange>, layers: &[OpenLayer]) -> Result<Animation, String> {
        let a = &self.animation;
        let case_span = || {
            layers.iter().filter(|l| l.visible).find_map(|l| crate::model::time::case_span(l.layer.case.as_ref()?, &l.layer.features))
        };
        let range = match a.range.trim() {
            "" => time_range.or_else(case_span).ok_or("give the period to animate, e.g. 2023-08/2024-03")?,
            text => DateRange::parse(text).ok_or_else(|| format!("{text:?} is not an ISO 8601 range like 2023-08/2024-03"))?,
        };
        Ok(Animation { range, step: a.step, fps: a.fps })
    }

    /// Starts making the animation on a worker thread (it takes seconds); `ui` shows the
    /// outcome when it is done.
    pub fn animate_to(&mut self, spec: &ExportSpec, layers: &[OpenLayer], anim: Animation, path: PathBuf) {
        // The thread gets its own handles on the visible layers, in the spec's order.
        let visible: Vec<(std::sync::Arc<crate::model::Layer>, f32)> =
            layers.iter().filter(|l| l.visible).map(|l| (l.layer.clone(), l.opacity)).collect();
        let template = spec.with_layers(Vec::new());
        let out = path.clone();
        let handle = std::thread::spawn(move || {
            let inputs = visible.iter().map(|(l, opacity)| ExportLayer { layer: l, opacity: *opacity }).collect();
            export::animate::save(&template.with_layers(inputs), &anim, &out)
        });
        self.message = Some(format!("Making {}…", path.display()));
        self.job = Some((handle, path));
    }

    /// Whether an animation is being made.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Takes in a finished animation's outcome.
    fn poll(&mut self) {
        let Some((handle, _)) = &self.job else { return };
        if !handle.is_finished() {
            return;
        }
        let Some((handle, path)) = self.job.take() else { return };
        self.message = Some(match handle.join() {
            Ok(Ok(done)) => {
                let [w, h] = done.size_px;
                let mut msg = format!("Wrote {} ({} frames of {w}×{h} px) and its alt text {}", path.display(), done.frames, export::alt_text_path(&path).display());
                for n in done.notices {
                    msg.push_str(&format!("\n{n}"));
                }
                msg
            }
            Ok(Err(e)) => format!("Could not export: {e}"),
            Err(_) => "Could not export: the animation stopped unexpectedly".into(),
        });
    }

    /// The dialog; returns false when it is closed.
    pub fn ui(&mut self, ctx: &egui::Context, layers: &[OpenLayer], map: &MapState, time_range: Option<DateRange>) -> bool {
        let mut open = true;
        egui::Window::new("Export map").open(&mut open).default_width(560.0).show(ctx, |ui| {
            egui::Grid::new("export-fields").num_columns(2).show(ui, |ui| {
                for (label, value, hint) in [
                    ("Title", &mut self.title, "the case title"),
                    ("Subtitle", &mut self.subtitle, "from the case and the time range"),
                    ("Source line", &mut self.source, "the most cited publishers"),
                    ("Credit", &mut self.credit, "none"),
                ] {
                    let l = ui.label(label);
                    ui.add(egui::TextEdit::singleline(value).hint_text(hint).desired_width(360.0)).labelled_by(l.id);
                    ui.end_row();
                }
                let l = ui.label("Size");
                egui::ComboBox::from_id_salt("export-artboard")
                    .selected_text(self.artboard.label)
                    .width(360.0)
                    .show_ui(ui, |ui| {
                        for a in artboard::PRESETS {
                            ui.selectable_value(&mut self.artboard, a, format!("{} — {}", a.label, a.size));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Scale");
                let print = matches!(self.artboard.size, PageSize::Mm(_));
                ui.add_enabled(!print, egui::Slider::new(&mut self.scale, 1.0..=4.0).step_by(1.0).suffix("×"))
                    .on_disabled_hover_text("Print sizes are drawn at 300 dpi")
                    .labelled_by(l.id);
                ui.end_row();
                ui.label("Format");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.format, Format::Png, "PNG");
                    ui.radio_value(&mut self.format, Format::Svg, "SVG (editable text and layers)");
                    ui.radio_value(&mut self.format, Format::Pdf, "PDF (print)");
                });
                ui.end_row();
                ui.label("Map");
                ui.horizontal(|ui| {
                    ui.checkbox(&mut self.current_view, "Current view (else fit everything)");
                    ui.checkbox(&mut self.use_time_range, "Timeline's range");
                    ui.checkbox(&mut self.dark, "Dark page");
                });
                ui.end_row();
                ui.label("Animation");
                ui.horizontal(|ui| {
                    ui.checkbox(&mut self.animation.on, "Animate the timeline");
                    if self.animation.on {
                        let hint = self.animation(time_range, layers).map_or("2023-08/2024-03".to_owned(), |a| a.range.to_string());
                        ui.add(egui::TextEdit::singleline(&mut self.animation.range).hint_text(hint).desired_width(150.0))
                            .on_hover_text("The period, START/END in ISO 8601; empty: the timeline's range");
                    }
                });
                ui.end_row();
                if self.animation.on {
                    ui.label("");
                    ui.horizontal(|ui| {
                        egui::ComboBox::from_id_salt("export-step")
                            .selected_text(step_name(self.animation.step))
                            .show_ui(ui, |ui| {
                                for step in [Step::Days(1), Step::Weeks(1), Step::Weeks(2), Step::Months(1)] {
                                    ui.selectable_value(&mut self.animation.step, step, step_name(step));
                                }
                            });
                        ui.add(egui::Slider::new(&mut self.animation.fps, 1.0..=12.0).step_by(1.0).suffix(" frames/s"));
                        ui.radio_value(&mut self.animation.mp4, false, "GIF");
                        ui.radio_value(&mut self.animation.mp4, true, "MP4");
                    });
                    ui.end_row();
                }
                let l = ui.label("Detail inset");
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut self.detail).hint_text("none, auto, or W,S,E,N").desired_width(220.0)).labelled_by(l.id);
                    // The page's own suggestion, when labelled sites crowd together.
                    if let Some([w, s, e, n]) = self.suggested_detail
                        && self.detail.trim().is_empty()
                        && ui.button("Inset where sites crowd").on_hover_text(format!("Labelled sites crowd together in {w},{s},{e},{n}")).clicked()
                    {
                        self.detail = format!("{w},{s},{e},{n}");
                    }
                    let trimmed = self.detail.trim();
                    if !trimmed.is_empty() && let Err(e) = export::DetailBox::parse(trimmed) {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                });
                ui.end_row();
            });
            let spec = self.spec(layers, map, time_range);
            // The preview follows every change of the page (the map view included).
            let key = format!(
                "{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
                spec.extent, self.title, self.subtitle, self.source, self.credit, spec.size, spec.time_range, spec.theme, spec.detail
            );
            if key != self.preview_key || self.preview.is_none() {
                self.preview_key = key;
                self.suggested_detail = export::layout(&spec).ok().and_then(|page| page.suggested_detail);
                self.preview = export::preview(&spec, [520, 400]).ok().map(|p| {
                    let size = [p.width() as usize, p.height() as usize];
                    ctx.load_texture("export-preview", egui::ColorImage::from_rgba_premultiplied(size, p.data()), TextureOptions::LINEAR)
                });
            }
            if let Some(tex) = &self.preview {
                ui.add(egui::Image::new(tex).max_width(520.0).alt_text("Preview of the exported page"));
            }
            let [w, h] = spec.output_size();
            let dpi = spec.effective_dpi();
            let mm = |px: u32| f64::from(px) / f64::from(dpi) * 25.4;
            ui.label(format!("{w}×{h} px at {dpi:.0} dpi ({:.0} × {:.0} mm)", mm(w), mm(h)));
            self.poll();
            if self.busy() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Making the animation…");
                });
                ctx.request_repaint_after(std::time::Duration::from_millis(200));
            } else if self.animation.on {
                let anim = self.animation(time_range, layers);
                if let Ok(a) = &anim {
                    let frames = a.step.days(a.range).len();
                    ui.label(format!("{frames} frames, {:.1} s", frames as f32 / a.fps));
                }
                if ui.button("Export animation…").clicked() {
                    match anim {
                        Ok(anim) => {
                            let (ext, name) = if self.animation.mp4 { ("mp4", "MP4 video") } else { ("gif", "GIF animation") };
                            if let Some(path) = rfd::FileDialog::new().set_file_name(format!("route.{ext}")).add_filter(name, &[ext]).save_file() {
                                self.animate_to(&spec, layers, anim, path);
                            }
                        }
                        Err(e) => self.message = Some(e),
                    }
                }
            } else if ui.button("Export…").clicked() {
                let (ext, name) = match self.format {
                    Format::Png => ("png", "PNG picture"),
                    Format::Svg => ("svg", "SVG drawing"),
                    Format::Pdf => ("pdf", "PDF document"),
                };
                if let Some(path) = rfd::FileDialog::new().set_file_name(format!("map.{ext}")).add_filter(name, &[ext]).save_file() {
                    self.export_to(&spec, &path);
                }
            }
            if let Some(m) = &self.message {
                ui.label(m);
            }
        });
        open
    }
}
