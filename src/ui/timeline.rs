//! The timeline: a range of months over the data's span, or a time cursor that Play moves
//! through it (showing everything up to the cursor, or a window around it), with speed,
//! steps back and forward, and the date and time shown. What lies outside fades on the map
//! and in the side panel; tracks with times show where each ship was at the cursor
//! (`scene::cursor`).

use egui::{Color32, RichText, Sense, Stroke, Vec2, pos2};

use crate::model::time::{DateRange, Day};

/// Months from year 0, so that month arithmetic is integer arithmetic.
fn month_index(d: Day) -> i32 {
    let (y, m, _) = d.ymd();
    y * 12 + m as i32 - 1
}

fn month_range(index: i32) -> DateRange {
    let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    DateRange::parse(&format!("{y:04}-{m:02}")).unwrap_or(DateRange { first: Day(0), last: Day(0) })
}

fn month_name(index: i32) -> String {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {}", NAMES[index.rem_euclid(12) as usize], index.div_euclid(12))
}

/// What the cursor shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CursorMode {
    /// Everything dated up to the cursor.
    UpTo,
    /// What is dated within half the window of the cursor.
    Window,
}

/// Play speeds: data time per second of playing.
const SPEEDS: [(i64, &str); 6] = [(3600, "1 hour/s"), (6 * 3600, "6 hours/s"), (86_400, "1 day/s"), (7 * 86_400, "1 week/s"), (30 * 86_400, "1 month/s"), (90 * 86_400, "3 months/s")];
/// Window lengths.
const WINDOWS: [(i64, &str); 5] = [(6 * 3600, "6 hours"), (86_400, "1 day"), (7 * 86_400, "1 week"), (30 * 86_400, "1 month"), (90 * 86_400, "3 months")];
/// How long a ship's trail is at the cursor: a sixth of the window, at least an hour.
pub fn trail_seconds(window: i64) -> i64 {
    (window / 6).max(3600)
}

fn unix_of(d: Day) -> i64 {
    i64::from(d.0 - Day::from_ymd(1970, 1, 1).0) * 86_400
}

fn day_of(t: i64) -> Day {
    Day(t.div_euclid(86_400) as i32 + Day::from_ymd(1970, 1, 1).0)
}

pub struct Timeline {
    /// First and last month of the data (inclusive).
    span: (i32, i32),
    /// The span in Unix seconds: from the first day's start to the last day's end.
    span_s: (i64, i64),
    /// The chosen months (inclusive), when there is no cursor.
    pub from: i32,
    pub to: i32,
    /// The cursor, Unix seconds: set by Play, the step buttons or a click on the strip.
    pub cursor: Option<i64>,
    pub mode: CursorMode,
    /// The window's length in seconds (`CursorMode::Window`).
    pub window: i64,
    /// Data seconds per second of playing.
    pub speed: i64,
    pub playing: bool,
    last_frame: f64,
}

impl Timeline {
    pub fn new(span: DateRange) -> Self {
        let span_s = (unix_of(span.first), unix_of(span.last) + 86_400);
        // A speed that plays the whole span in about half a minute.
        let speed = SPEEDS.iter().map(|s| s.0).find(|s| (span_s.1 - span_s.0) / s <= 40).unwrap_or(SPEEDS[SPEEDS.len() - 1].0);
        let span = (month_index(span.first), month_index(span.last));
        Self { span, span_s, from: span.0, to: span.1, cursor: None, mode: CursorMode::UpTo, window: 7 * 86_400, speed, playing: false, last_frame: 0.0 }
    }

    /// The span in Unix seconds.
    pub fn span_seconds(&self) -> (i64, i64) {
        self.span_s
    }

    /// The cursor as people read it: "2023-08-01 12:00 UTC".
    pub fn cursor_text(&self) -> Option<String> {
        let iso = crate::ais::time::iso(self.cursor?);
        Some(format!("{} {} UTC", &iso[..10], &iso[11..16]))
    }

    /// Moves the cursor by `by` seconds (setting it at the start first), within the span.
    pub fn step(&mut self, by: i64) {
        let t = self.cursor.unwrap_or(self.span_s.0);
        self.cursor = Some((t + by).clamp(self.span_s.0, self.span_s.1));
    }

    /// Whether both cover the same months.
    pub fn same_span(&self, other: &Timeline) -> bool {
        self.span == other.span
    }

    /// The chosen range in days; `None` when it covers the whole span (nothing is filtered).
    pub fn range(&self) -> Option<DateRange> {
        if let Some(t) = self.cursor {
            return Some(match self.mode {
                CursorMode::UpTo => DateRange { first: day_of(self.span_s.0), last: day_of(t) },
                CursorMode::Window => DateRange { first: day_of(t - self.window / 2), last: day_of(t + self.window / 2) },
            });
        }
        if (self.from, self.to) == self.span {
            return None;
        }
        Some(month_range(self.from).union(&month_range(self.to)))
    }

    /// Sets the range to the months that `range` touches, within the span.
    pub fn set(&mut self, range: DateRange) {
        self.from = month_index(range.first).clamp(self.span.0, self.span.1);
        self.to = month_index(range.last).clamp(self.from, self.span.1);
    }

    /// How much something dated `when` fades: 1 inside the range or undated, dim outside.
    pub fn fade(&self, when: Option<DateRange>) -> f32 {
        match (self.range(), when) {
            (Some(r), Some(w)) if !r.overlaps(&w) => 0.18,
            _ => 1.0,
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, marks: &[DateRange]) {
        ui.horizontal(|ui| {
            let play = if self.playing { "Pause" } else { "Play" };
            if ui.button(play).on_hover_text("Move a time cursor through the data; what comes later fades").clicked() {
                self.playing = !self.playing;
                if self.playing && self.cursor.is_none_or(|t| t >= self.span_s.1) {
                    self.cursor = Some(self.span_s.0);
                }
                self.last_frame = ui.input(|i| i.time);
            }
            if ui.button("‹ Step").on_hover_text("Step back (one second of playing)").clicked() {
                self.step(-self.speed);
            }
            if ui.button("Step ›").on_hover_text("Step forward (one second of playing)").clicked() {
                self.step(self.speed);
            }
            let speed_name = SPEEDS.iter().find(|s| s.0 == self.speed).map_or("", |s| s.1);
            let l = ui.label("Speed");
            egui::ComboBox::from_id_salt("timeline-speed")
                .selected_text(speed_name)
                .show_ui(ui, |ui| {
                    for (v, name) in SPEEDS {
                        ui.selectable_value(&mut self.speed, v, name);
                    }
                })
                .response
                .labelled_by(l.id);
            let l = ui.label("Show");
            egui::ComboBox::from_id_salt("timeline-mode")
                .selected_text(if self.mode == CursorMode::UpTo { "up to the cursor" } else { "a window around it" })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.mode, CursorMode::UpTo, "up to the cursor");
                    ui.selectable_value(&mut self.mode, CursorMode::Window, "a window around it");
                })
                .response
                .labelled_by(l.id);
            if self.mode == CursorMode::Window {
                let window_name = WINDOWS.iter().find(|w| w.0 == self.window).map_or("", |w| w.1);
                let l = ui.label("of");
                egui::ComboBox::from_id_salt("timeline-window")
                    .selected_text(window_name)
                    .show_ui(ui, |ui| {
                        for (v, name) in WINDOWS {
                            ui.selectable_value(&mut self.window, v, name);
                        }
                    })
                    .response
                    .labelled_by(l.id);
            }
            match self.cursor_text() {
                Some(text) => {
                    ui.label(RichText::new(text).strong().monospace());
                }
                None => {
                    let (lo, hi) = self.span;
                    let label = ui.label("From");
                    ui.add(egui::Slider::new(&mut self.from, lo..=hi).show_value(false)).labelled_by(label.id);
                    ui.label(RichText::new(month_name(self.from)).strong());
                    let label = ui.label("to");
                    ui.add(egui::Slider::new(&mut self.to, lo..=hi).show_value(false)).labelled_by(label.id);
                    ui.label(RichText::new(month_name(self.to)).strong());
                    if self.from > self.to {
                        std::mem::swap(&mut self.from, &mut self.to);
                    }
                }
            }
            if ui.button("All").on_hover_text("Show the whole span (no cursor)").clicked() {
                (self.from, self.to) = self.span;
                self.cursor = None;
                self.playing = false;
            }
        });
        self.strip_ui(ui, marks);
        if self.playing {
            let now = ui.input(|i| i.time);
            let dt = (now - self.last_frame).clamp(0.0, 0.25);
            self.last_frame = now;
            let t = self.cursor.unwrap_or(self.span_s.0) + (self.speed as f64 * dt).round() as i64;
            if t >= self.span_s.1 {
                self.cursor = Some(self.span_s.1);
                self.playing = false;
            } else {
                self.cursor = Some(t);
            }
            ui.ctx().request_repaint();
        }
    }

    /// Month ticks over the span, the chosen range, and a mark per dated event.
    fn strip_ui(&mut self, ui: &mut egui::Ui, marks: &[DateRange]) {
        let (rect, response) = ui.allocate_exact_size(Vec2::new(ui.available_width(), 26.0), Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        let (lo, hi) = self.span;
        let months = (hi - lo + 1).max(1) as f32;
        let x_of = |m: f32| rect.left() + 8.0 + (rect.width() - 16.0) * (m - lo as f32) / months;
        // Months (fractional) of a Unix time, for the cursor.
        let month_of = |t: i64| {
            let (y, m, d) = day_of(t).ymd();
            (y * 12 + m as i32 - 1) as f32 + (d as f32 - 1.0 + t.rem_euclid(86_400) as f32 / 86_400.0) / 31.0
        };
        let chosen = match self.range() {
            Some(r) if self.cursor.is_some() => {
                let (a, b) = (r.first.ymd(), r.last.ymd());
                let fa = (a.0 * 12 + a.1 as i32 - 1) as f32 + (a.2 as f32 - 1.0) / 31.0;
                let fb = (b.0 * 12 + b.1 as i32 - 1) as f32 + b.2 as f32 / 31.0;
                egui::Rect::from_x_y_ranges(x_of(fa)..=x_of(fb), rect.top() + 2.0..=rect.bottom() - 10.0)
            }
            _ => egui::Rect::from_x_y_ranges(x_of(self.from as f32)..=x_of(self.to as f32 + 1.0), rect.top() + 2.0..=rect.bottom() - 10.0),
        };
        painter.rect_filled(chosen, 2.0, Color32::from_rgba_unmultiplied(0, 114, 178, 50));
        if let Some(t) = self.cursor {
            let x = x_of(month_of(t));
            painter.line_segment([pos2(x, rect.top()), pos2(x, rect.bottom())], Stroke::new(2.0, Color32::from_rgb(213, 94, 0)));
        }
        let ink = ui.visuals().text_color();
        for m in lo..=hi + 1 {
            let x = x_of(m as f32);
            let january = m.rem_euclid(12) == 0;
            painter.line_segment([pos2(x, rect.bottom() - 10.0), pos2(x, rect.bottom() - if january { 0.0 } else { 6.0 })], Stroke::new(1.0, ink));
            if january && m <= hi {
                painter.text(pos2(x + 2.0, rect.bottom() - 1.0), egui::Align2::LEFT_BOTTOM, (m / 12).to_string(), egui::FontId::proportional(9.0), ink);
            }
        }
        for r in marks {
            let (a, b) = (r.first.ymd(), r.last.ymd());
            let fa = (a.0 * 12 + a.1 as i32 - 1) as f32 + (a.2 as f32 - 1.0) / 31.0;
            let fb = (b.0 * 12 + b.1 as i32 - 1) as f32 + b.2 as f32 / 31.0;
            let inside = self.range().is_none_or(|c| c.overlaps(r));
            let color = if inside { Color32::from_rgb(213, 94, 0) } else { Color32::from_gray(170) };
            let y = rect.top() + 8.0;
            painter.line_segment([pos2(x_of(fa), y), pos2(x_of(fb).max(x_of(fa) + 2.0), y)], Stroke::new(4.0, color));
        }
        // Click or drag on the strip: the cursor goes there, or without one the window of
        // months moves there.
        if let Some(p) = response.interact_pointer_pos().filter(|_| response.clicked() || response.dragged()) {
            let f = (p.x - rect.left() - 8.0) / (rect.width() - 16.0) * months;
            if self.cursor.is_some() {
                let m = lo + f.floor() as i32;
                let (y, mo) = (m.div_euclid(12), m.rem_euclid(12) as u32 + 1);
                let start = unix_of(Day::from_ymd(y, mo, 1));
                self.cursor = Some((start + ((f - f.floor()) * 31.0 * 86_400.0) as i64).clamp(self.span_s.0, self.span_s.1));
                return;
            }
            let m = lo + (f.floor() as i32);
            let len = self.to - self.from;
            self.from = m.clamp(lo, hi - len);
            self.to = self.from + len;
        }
    }
}
