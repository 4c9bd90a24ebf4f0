//! The timeline: a range of months over the case's span, with play. What lies outside the
//! range fades on the map and in the side panel.

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

/// Seconds per month step while playing.
const PLAY_STEP_S: f64 = 0.8;

pub struct Timeline {
    /// First and last month of the case (inclusive).
    span: (i32, i32),
    /// The chosen months (inclusive).
    pub from: i32,
    pub to: i32,
    pub playing: bool,
    last_step: f64,
}

impl Timeline {
    pub fn new(span: DateRange) -> Self {
        let span = (month_index(span.first), month_index(span.last));
        Self { span, from: span.0, to: span.1, playing: false, last_step: 0.0 }
    }

    /// Whether both cover the same months.
    pub fn same_span(&self, other: &Timeline) -> bool {
        self.span == other.span
    }

    /// The chosen range in days; `None` when it covers the whole span (nothing is filtered).
    pub fn range(&self) -> Option<DateRange> {
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
            if ui.button(play).on_hover_text("Step through the case a month at a time").clicked() {
                self.playing = !self.playing;
                if self.playing && self.to >= self.span.1 {
                    // Start from the beginning, keeping the window's length.
                    let len = self.to - self.from;
                    self.from = self.span.0;
                    self.to = self.span.0 + len;
                }
                self.last_step = ui.input(|i| i.time);
            }
            if ui.button("All").on_hover_text("Show the whole span").clicked() {
                (self.from, self.to) = self.span;
                self.playing = false;
            }
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
        });
        self.strip_ui(ui, marks);
        if self.playing {
            let now = ui.input(|i| i.time);
            if now - self.last_step >= PLAY_STEP_S {
                self.last_step = now;
                if self.to >= self.span.1 {
                    self.playing = false;
                } else {
                    self.from += 1;
                    self.to += 1;
                }
            }
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Month ticks over the span, the chosen range, and a mark per dated event.
    fn strip_ui(&mut self, ui: &mut egui::Ui, marks: &[DateRange]) {
        let (rect, response) = ui.allocate_exact_size(Vec2::new(ui.available_width(), 26.0), Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        let (lo, hi) = self.span;
        let months = (hi - lo + 1).max(1) as f32;
        let x_of = |m: f32| rect.left() + 8.0 + (rect.width() - 16.0) * (m - lo as f32) / months;
        let chosen = egui::Rect::from_x_y_ranges(x_of(self.from as f32)..=x_of(self.to as f32 + 1.0), rect.top() + 2.0..=rect.bottom() - 10.0);
        painter.rect_filled(chosen, 2.0, Color32::from_rgba_unmultiplied(0, 114, 178, 50));
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
        // Click or drag on the strip to move the chosen window there.
        if let Some(p) = response.interact_pointer_pos().filter(|_| response.clicked() || response.dragged()) {
            let m = lo + (((p.x - rect.left() - 8.0) / (rect.width() - 16.0) * months).floor() as i32);
            let len = self.to - self.from;
            self.from = m.clamp(lo, hi - len);
            self.to = self.from + len;
        }
    }
}
