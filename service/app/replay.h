#pragma once

// `levdyn replay` and `levdyn export` (DESIGN §6): recorded frames (capture files or JSONL
// frames) go through the same venue codecs and the same core::Engine as live frames, with time
// driven by the recorded receive times, so the same input gives byte-identical results.
//
// Time: each frame's receive wall time is the engine's `now`. The engine republishes
// everything every 100 ms of recorded time and refits Hawkes at most once a second of recorded
// time, in line (the cadence of EngineRunner, without its fit thread), so nothing depends on
// how fast the machine is.

#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/instrument_table.h"
#include "core/published_state.h"
#include "service/app/config.h"
#include "service/app/huge_page_arena.h"
#include "service/capture/frame_source.h"
#include "service/capture/recorded_frame.h"
#include "service/capture/spec_frame.h"
#include "service/venues/codec.h"

namespace levdyn::app {

struct ReplayCounts {
  std::uint64_t frames = 0;  // frames read (market data and status)
  std::uint64_t events = 0;  // normalized events applied to the engine
  std::uint64_t errors = 0;  // rejected frames and lines, damaged capture tails
};

class FitWorker;  // service/app/fit_worker.h

/// Where a replay's settings came from, for what its warnings advise.
enum class SettingsOrigin : std::uint8_t {
  kGiven,               // --config, or the defaults (Config::source empty)
  kRecorded,            // the first input's settings frame (replay without --config)
  kRecordedOverridden,  // the same, with LEVDYN_* variables overriding some of them
};

/// Feeds frames to codecs and an engine. Single-threaded (the replay thread); the published
/// state may be read from any thread (replay --serve).
class Replayer {
 public:
  /// Instruments: the configured symbols of every venue, added at the first frame of market
  /// data. Each takes the contract spec its recording carried (spec frames, which come first
  /// in every capture file), else the bundled one; never the network nor the metadata cache,
  /// so results depend on the input only.
  explicit Replayer(const Config& config, SettingsOrigin origin = SettingsOrigin::kGiven);
  ~Replayer();
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  /// The symbols a capture was recorded with (its header) that this replay does not track, as
  /// "venue SYMBOL": their frames decode to no events unless the recording's config is given.
  [[nodiscard]] std::vector<std::string> untracked(const capture::CaptureHeaderInfo& header) const;

  /// Decodes one frame at its recorded time and applies its events. Spec and settings frames
  /// are not counted in `frames`: a spec frame gives a contract spec, used when it comes before
  /// the first frame of market data (a later, different one is named in a warning and not
  /// used); recorded settings that differ from this replay's are named in a warning.
  void feed(const capture::RecordedFrame& frame);
  /// Counts a frame or line that could not be read at all.
  void count_error() noexcept { ++counts_.errors; }
  /// Publishes everything at the last frame's time.
  void finish();

  /// The replay result document (DESIGN §6), one line without a trailing newline:
  /// {"instruments":[…],"assets":[…],"cascades":[…],"frames":N,"events":N,"errors":N}.
  [[nodiscard]] std::string result_json() const;

  [[nodiscard]] const Config& config() const noexcept { return config_; }
  /// config_digest(config()).
  [[nodiscard]] const std::string& digest() const noexcept { return digest_; }
  [[nodiscard]] const ReplayCounts& counts() const noexcept { return counts_; }
  [[nodiscard]] const core::PublishedState& state() const noexcept { return *state_; }
  [[nodiscard]] std::int64_t last_ts_ns() const noexcept { return last_ts_; }
  /// Time spent in Hawkes refits (for the summary line: they dominate sparse captures).
  [[nodiscard]] double fit_seconds() const noexcept;

 private:
  venues::Codec* codec_for(core::Venue v);
  void add_instruments();
  void apply_spec(const capture::RecordedFrame& frame);
  /// A settings frame: warns once per distinct recorded settings that differ from config_.
  void apply_settings(const capture::RecordedFrame& frame);
  void apply_status(const capture::RecordedFrame& frame);
  /// Counts a market-data or status frame and moves the replay's time to it.
  void count_frame(const capture::RecordedFrame& frame);
  /// Applies a frame's events, then the periodic work at `ts_ns` (see timed_tasks).
  void apply_frame(std::span<const core::NormalizedEvent> events, std::int64_t ts_ns,
                   bool may_defer);
  /// Decodes a market-data frame into `out` (appended), counting it; false without a codec.
  bool decode(const capture::RecordedFrame& frame, std::vector<core::NormalizedEvent>& out);
  /// The periodic work at `now_ns`: a publish every 100 ms, a refit round every second. With
  /// `may_defer`, a refit tick whose previous round is not fitted yet is left due (refit_due_)
  /// instead of waiting for it.
  void timed_tasks(std::int64_t now_ns, bool may_defer);
  /// Installs the round of fits in flight, if any, waiting for it when `wait`; false when it
  /// is not fitted yet (and not waited for).
  bool take_fits(bool wait);
  /// Collects and hands over the round of fits at `now_ns`.
  void start_fits(std::int64_t now_ns);
  /// Installs the due round at its tick (waiting for it when `wait`), starts the next, then
  /// applies the frames decoded ahead in the meantime; false when it was not fitted yet.
  bool catch_up(bool wait);

  Config config_;
  SettingsOrigin origin_;
  std::string digest_;  // config_digest(config_)
  core::InstrumentTable table_;
  HugePageArena engine_memory_;  // outlives state_ and engine_
  std::unique_ptr<core::PublishedState> state_;
  std::unique_ptr<core::Engine> engine_;
  std::vector<std::unique_ptr<venues::Codec>> codecs_;  // by core::Venue
  std::vector<core::NormalizedEvent> events_;
  std::string reply_;
  ReplayCounts counts_;
  std::int64_t last_ts_ = 0;
  std::int64_t last_full_publish_ = 0;
  std::int64_t last_refit_ = 0;
  bool started_ = false;
  std::uint64_t errors_logged_ = 0;
  bool instruments_added_ = false;
  std::vector<core::InstrumentSpec> recorded_specs_;  // from spec frames, first per instrument
  capture::SpecChanges spec_changes_;  // recorded specs that differed, each named once
  std::vector<std::string> settings_seen_;            // settings payloads read
  // Hawkes refits run on a worker thread while frames keep being decoded and applied: a round
  // collected at refit tick k is installed at tick k+1 (or at finish), a fixed point in the
  // recorded time, so the output does not depend on how fast the worker is.
  std::unique_ptr<FitWorker> fits_;  // started on the first round
  std::vector<core::HawkesFitJob> jobs_;
  std::vector<core::HawkesFitResult> fit_results_;
  bool fits_pending_ = false;
  // A refit tick whose previous round was not fitted yet: rather than wait, the next frames
  // are decoded ahead (the codecs do not depend on the engine) and their events held; the round
  // is installed at its tick, the next one started there, and the events held applied in
  // order, each frame's periodic work after it, as if the replay had waited. Only market-data
  // frames are decoded ahead, at most kMaxDecodedAhead of them.
  static constexpr std::size_t kMaxDecodedAhead = 4096;
  struct DecodedAhead {
    std::int64_t ts_ns;  // last_ts_ after the frame
    std::size_t events;  // its events, next in ahead_events_
  };
  bool refit_due_ = false;
  std::int64_t refit_due_ns_ = 0;
  std::vector<DecodedAhead> ahead_;
  std::vector<core::NormalizedEvent> ahead_events_;
};

struct ReplayOptions {
  std::vector<std::string> files;
  capture::FileFormat format = capture::FileFormat::kAuto;
  double speed = 0;  // recorded seconds per wall second; 0 = as fast as possible
  SettingsOrigin settings = SettingsOrigin::kGiven;  // of the Config given with these options
};

/// The settings recorded at the start of the first file `inputs` stand for (its settings
/// frame: settings_payload), for `levdyn replay` without --config. False when that file has
/// none before its first frame of market data or cannot be opened. Standard input ("-") is
/// read up to its settings and given back: the replay's source on "-" reads it again.
[[nodiscard]] bool recorded_settings(const std::vector<std::string>& inputs,
                                     capture::FileFormat format, std::string& payload,
                                     std::string& path);
/// Checks every input up front, so a bad path or format fails before any work; a directory
/// stands for its capture files in the order they were written (capture::capture_files_in).
/// False after printing one line on stderr.
[[nodiscard]] bool open_sources(const std::vector<std::string>& inputs, capture::FileFormat format,
                                std::vector<std::unique_ptr<capture::FrameSource>>& out);

/// Feeds every frame of `sources` to `replayer` (paced when speed > 0), then finish(). Stops
/// early when `stop` is set (replay --serve on SIGTERM).
void replay_sources(Replayer& replayer, std::vector<std::unique_ptr<capture::FrameSource>>& sources,
                    double speed, const std::atomic<bool>* stop = nullptr);

/// Replays `options.files` in order and prints the result document on `out`. Warnings
/// (damaged tails, rejected frames) go to the log. Returns 0, or 2 when a file cannot be
/// opened or its format is not recognised (checked before anything is replayed).
int run_replay(const Config& config, const ReplayOptions& options, std::ostream& out);

/// `replay --serve`: the REST routes and /metrics (http.listen, or --listen) over the replay's
/// published state while it runs at `options.speed`; after the last frame the result document
/// is printed and the final state is served until SIGINT/SIGTERM.
int run_replay_serve(const Config& config, const ReplayOptions& options);

/// Writes the frames of `files` as JSONL frames (DESIGN §6) on `out`. Returns like run_replay.
int run_export(const std::vector<std::string>& files, capture::FileFormat format,
               std::ostream& out);

/// Writes the frames of `files` (JSONL frames from other tools, or captures) into one capture
/// file `out_path` (`export --format capture --out FILE`). Returns like run_replay; 1 when the
/// output cannot be written.
int run_export_capture(const std::vector<std::string>& files, capture::FileFormat format,
                       const std::string& out_path);

}  // namespace levdyn::app
