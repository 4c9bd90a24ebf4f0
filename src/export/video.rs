//! Animations as MP4 video (H.264), with no ffmpeg or system codec library at run time.
//!
//! The frames are encoded by Cisco's OpenH264 through the `openh264` crate, which compiles
//! OpenH264's C++ sources with `cc` when this crate is built (BSD-2-Clause; its x86 assembly
//! is used only when `nasm` is on the build machine's PATH, plain C otherwise). Cisco's H.264
//! patent licence covers only the binaries Cisco distributes, not a build from source like this
//! one; whoever ships the app decides whether that matters where it is shipped. The encoded
//! frames are put in an MP4 file by the pure-Rust `muxide` crate (an `avc1` track whose `avcC`
//! box carries the encoder's SPS and PPS; the `moov` box first, so players can start before the
//! whole file has arrived).
//!
//! The picture is encoded at a constant quantiser (OpenH264's rate control off, QP 26) with no
//! skipped frames, in constrained Baseline profile, which every player decodes. Pages change
//! little from one frame to the next, so the P frames are small.
//!
//! The frames are split into runs of consecutive frames that are encoded at the same time, one
//! encoder per core; each run starts with a key frame (IDR) and the runs are joined in order.

use openh264::OpenH264API;
use openh264::encoder::{
    ColorPrimaries, Encoder, EncoderConfig, FrameRate, FrameType, RateControlMode, TransferCharacteristics, UsageType,
    VuiConfig,
};
use openh264::formats::{RGB8Source, RGBSource, YUVBuffer};
use tiny_skia::Pixmap;

use super::ExportError;

/// The smallest frame OpenH264 encodes: 16×16.
pub const MIN_SIDE: u32 = 16;
/// The largest frame OpenH264 encodes (H.264 level 5.2): 3840×2160, or 2160×3840 upright.
pub const MAX_SIDE: u32 = 3840;
pub const MAX_SHORT_SIDE: u32 = 2160;
/// Frame rates outside this range are refused.
pub const MIN_FPS: f32 = 0.01;
pub const MAX_FPS: f32 = 240.0;

/// Runs shorter than this are not split off for another core (each run costs a key frame).
const MIN_RUN: usize = 8;

/// Encodes frames (all the same size, RGBA8 premultiplied as tiny_skia::Pixmap gives them,
/// opaque pages in practice) into an MP4 file's bytes (H.264), at `fps` frames per second.
///
/// * H.264's 4:2:0 colour needs even sides: a frame with an odd width or height loses its last
///   column or row of pixels (a 1921×1081 page becomes a 1920×1080 video).
/// * Pixels that are not opaque come out as if over black (the premultiplied colour is used).
/// * Colours are converted with the BT.601 matrix at limited range, and the stream says so
///   (with sRGB's primaries and transfer), so players show the page's colours.
/// * Frame `i` starts at `i / fps` seconds and the video lasts `frames.len() / fps`. A single
///   frame is written twice, each half a frame long, so that the video still lasts `1 / fps`
///   (an MP4's last sample takes its length from the one before it).
///
/// Errors: no frames, frames of different sizes, a size under 16×16 or over [`MAX_SIDE`]×
/// [`MAX_SHORT_SIDE`] (after the odd pixel is cut), an `fps` outside [`MIN_FPS`]..=[`MAX_FPS`],
/// or a failure of the encoder or the muxer.
pub fn mp4(frames: &[Pixmap], fps: f32) -> Result<Vec<u8>, ExportError> {
    let first = frames.first().ok_or_else(|| err("no frames to encode"))?;
    if !(fps.is_finite() && (MIN_FPS..=MAX_FPS).contains(&fps)) {
        return Err(err(format!("{fps} frames per second is outside {MIN_FPS}..{MAX_FPS}")));
    }
    let (full_w, full_h) = (first.width(), first.height());
    if let Some((i, f)) = frames.iter().enumerate().find(|(_, f)| (f.width(), f.height()) != (full_w, full_h)) {
        return Err(err(format!(
            "frame {i} is {}x{}, frame 0 is {full_w}x{full_h}: all frames must be the same size",
            f.width(),
            f.height()
        )));
    }
    let (w, h) = (full_w & !1, full_h & !1);
    if w.min(h) < MIN_SIDE || w.max(h) > MAX_SIDE || w.min(h) > MAX_SHORT_SIDE {
        return Err(err(format!(
            "a {full_w}x{full_h} frame: H.264 frames here are {MIN_SIDE}x{MIN_SIDE} up to {MAX_SIDE}x{MAX_SHORT_SIDE} (or {MAX_SHORT_SIDE}x{MAX_SIDE})"
        )));
    }

    // What to encode: (frame, start in frame periods). One frame is shown as two half frames.
    let schedule: Vec<(usize, f64)> =
        if frames.len() == 1 { vec![(0, 0.0), (0, 0.5)] } else { (0..frames.len()).map(|i| (i, i as f64)).collect() };

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = cores.min(schedule.len() / MIN_RUN).max(1);
    let encoded: Vec<Result<Run, ExportError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..runs)
            .map(|r| {
                let part = &schedule[r * schedule.len() / runs..(r + 1) * schedule.len() / runs];
                scope.spawn(move || encode_run(frames, part, (w, h), fps))
            })
            .collect();
        workers
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|_| Err(err("the encoder thread panicked"))))
            .collect()
    });

    let mut muxer = muxide::api::MuxerBuilder::new(Vec::new())
        .video(muxide::api::VideoCodec::H264, w, h, f64::from(fps))
        .with_fast_start(true)
        .build()
        .map_err(|e| err(format!("MP4 muxer: {e}")))?;
    let mut at = schedule.iter();
    for run in encoded {
        for (bytes, key) in run? {
            let &(_, t) = at.next().ok_or_else(|| err("the encoder gave more frames than it was given"))?;
            muxer.write_video(t / f64::from(fps), &bytes, key).map_err(|e| err(format!("MP4 muxer: {e}")))?;
        }
    }
    muxer.finish_in_place().map_err(|e| err(format!("MP4 muxer: {e}")))?;
    Ok(muxer.into_writer())
}

fn err(msg: impl Into<String>) -> ExportError {
    ExportError::Encode(format!("MP4 video: {}", msg.into()))
}

/// An encoded run of frames: each frame's Annex B access unit, and whether it is a key frame.
type Run = Vec<(Vec<u8>, bool)>;

/// Encodes `part` (consecutive entries of the schedule) with an encoder of its own; the first
/// frame is always a key frame.
fn encode_run(frames: &[Pixmap], part: &[(usize, f64)], (w, h): (u32, u32), fps: f32) -> Result<Run, ExportError> {
    let config = EncoderConfig::new()
        // Screen content: its tools suit pages of flat colour and text. (OpenH264 refuses the
        // non-real-time usage types.) It has no adaptive quantisation or background detection.
        .usage_type(UsageType::ScreenContentRealTime)
        .adaptive_quantization(false)
        .background_detection(false)
        .rate_control_mode(RateControlMode::Off)
        .skip_frames(false)
        // Only informative with the rate control off; OpenH264 takes 1..60.
        .max_frame_rate(FrameRate::from_hz(fps.clamp(1.0, 60.0)))
        // One thread per encoder: the runs already use every core.
        .num_threads(1)
        .vui(
            VuiConfig::bt601()
                .color_primaries(ColorPrimaries::Bt709)
                .transfer_characteristics(TransferCharacteristics::Srgb),
        );
    let mut encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|e| err(format!("cannot start the H.264 encoder: {e}")))?;
    let mut yuv = YUVBuffer::new(w as usize, h as usize);
    let mut out = Vec::with_capacity(part.len());
    for (k, &(i, _)) in part.iter().enumerate() {
        yuv.read_rgb8(Rgba { pixmap: &frames[i], w: w as usize, h: h as usize });
        let stream = encoder.encode(&yuv).map_err(|e| err(format!("frame {i}: {e}")))?;
        let key = match stream.frame_type() {
            FrameType::IDR => true,
            FrameType::I | FrameType::P => false,
            other => return Err(err(format!("frame {i}: the encoder gave a {other:?} frame"))),
        };
        if k == 0 && !key {
            return Err(err(format!("frame {i}: the encoder did not start with a key frame")));
        }
        out.push((stream.to_vec(), key));
    }
    Ok(out)
}

/// A pixmap's RGBA8 pixels seen as RGB, cut to `w`×`h` (the even part) without copying.
#[derive(Clone, Copy)]
struct Rgba<'a> {
    pixmap: &'a Pixmap,
    w: usize,
    h: usize,
}

impl RGBSource for Rgba<'_> {
    fn dimensions(&self) -> (usize, usize) {
        (self.w, self.h)
    }

    fn pixel_f32(&self, x: usize, y: usize) -> (f32, f32, f32) {
        let at = (y * self.pixmap.width() as usize + x) * 4;
        let p = &self.pixmap.data()[at..at + 3];
        (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]))
    }
}

impl RGB8Source for Rgba<'_> {
    fn dimensions_padded(&self) -> (usize, usize) {
        (self.pixmap.width() as usize, self.pixmap.height() as usize)
    }

    fn rgb8_data(&self) -> &[u8] {
        self.pixmap.data()
    }

    fn pixel_stride(&self) -> usize {
        4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiny_skia::{Color, FillRule, Paint, PathBuilder, Transform};

    fn frame(w: u32, h: u32, x: f32) -> Pixmap {
        let mut pm = Pixmap::new(w, h).unwrap();
        pm.fill(Color::WHITE);
        let mut paint = Paint::default();
        paint.set_color_rgba8(200, 30, 30, 255);
        let circle = PathBuilder::from_circle(x, h as f32 / 2.0, h as f32 / 5.0).unwrap();
        pm.fill_path(&circle, &paint, FillRule::Winding, Transform::identity(), None);
        pm
    }

    /// The MP4's top-level boxes, in order.
    fn boxes(mp4: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        let mut at = 0;
        while at + 8 <= mp4.len() {
            let size = u32::from_be_bytes(mp4[at..at + 4].try_into().unwrap()) as usize;
            names.push(String::from_utf8_lossy(&mp4[at + 4..at + 8]).into_owned());
            assert!(size >= 8 && at + size <= mp4.len(), "box {} overruns the file", names.last().unwrap());
            at += size;
        }
        assert_eq!(at, mp4.len());
        names
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn frames_make_an_h264_mp4() {
        let frames: Vec<Pixmap> = (0..20).map(|i| frame(64, 48, 10.0 + 2.0 * i as f32)).collect();
        let file = mp4(&frames, 10.0).unwrap();
        // moov before mdat (fast start); an H.264 track whose avcC holds the parameter sets.
        assert_eq!(boxes(&file), ["ftyp", "moov", "mdat"]);
        assert!(contains(&file, b"avc1") && contains(&file, b"avcC"));
    }

    #[test]
    fn odd_sizes_lose_a_pixel_and_one_frame_still_has_a_length() {
        let file = mp4(&[frame(65, 49, 20.0)], 4.0).unwrap();
        assert_eq!(boxes(&file), ["ftyp", "moov", "mdat"]);
        // The avc1 sample entry's width and height (16-bit, 24 bytes after the name).
        let at = file.windows(4).position(|w| w == b"avc1").unwrap() + 4 + 24;
        assert_eq!(u16::from_be_bytes([file[at], file[at + 1]]), 64);
        assert_eq!(u16::from_be_bytes([file[at + 2], file[at + 3]]), 48);
        assert!(mp4(&[frame(17, 16, 1.0)], 4.0).is_ok());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let e = |r: Result<Vec<u8>, ExportError>| r.unwrap_err().to_string();
        assert!(e(mp4(&[], 10.0)).contains("no frames"));
        assert!(e(mp4(&[frame(64, 48, 0.0), frame(64, 50, 0.0)], 10.0)).contains("frame 1 is 64x50"));
        for fps in [0.0, -1.0, f32::NAN, f32::INFINITY, 1000.0] {
            assert!(e(mp4(&[frame(64, 48, 0.0)], fps)).contains("frames per second"), "{fps}");
        }
        assert!(e(mp4(&[Pixmap::new(15, 40).unwrap()], 10.0)).contains("15x40"));
        assert!(e(mp4(&[Pixmap::new(3842, 100).unwrap()], 10.0)).contains("3842x100"));
        assert!(e(mp4(&[Pixmap::new(2400, 2400).unwrap()], 10.0)).contains("2400x2400"));
    }
}
