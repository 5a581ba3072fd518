#include "service/app/replay.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <thread>

#include "service/app/fit_worker.h"
#include "service/app/service.h"
#include "service/app/version.h"
#include "service/capture/capture_writer.h"
#include "service/capture/spec_frame.h"
#include "service/feed/log.h"
#include "service/http/api_json.h"
#include "service/http/router.h"
#include "service/venues/metadata.h"

namespace levdyn::app {

namespace {

constexpr std::int64_t kFullPublishNs = 100'000'000;  // as EngineRunner
constexpr std::int64_t kRefitNs = 1'000'000'000;      // as EngineRunner
constexpr std::uint64_t kMaxLoggedErrors = 20;

core::FeedReason parse_reason(std::string_view s) {
  for (int r = 0; r <= static_cast<int>(core::FeedReason::kShutdown); ++r) {
    const auto reason = static_cast<core::FeedReason>(r);
    if (core::to_string(reason) == s) return reason;
  }
  return core::FeedReason::kNone;
}

// The array inside a REST list body: {"assets":[…]} -> […].
std::string_view list_of(const std::string& body) {
  const auto b = body.find('[');
  const auto e = body.rfind(']');
  if (b == std::string::npos || e == std::string::npos || e < b) return "[]";
  return std::string_view(body).substr(b, e - b + 1);
}

}  // namespace

Replayer::Replayer(const Config& config, SettingsOrigin origin)
    : config_(config), origin_(origin), digest_(config_digest(config)) {
  const core::EngineConfig ec = make_engine_config(config_);
  state_ = std::make_unique<core::PublishedState>(table_, static_cast<int>(ec.windows_ns.size()),
                                                  ec.windows_ns.data(), &engine_memory_);
  engine_ = std::make_unique<core::Engine>(ec, table_, *state_, &engine_memory_);
  codecs_.resize(core::kVenueCount);
  events_.reserve(256);
}

void Replayer::add_instruments() {
  instruments_added_ = true;
  int from_recording = 0, from_bundle = 0;
  std::string derived;
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto venue = static_cast<core::Venue>(v);
    auto bundled = venues::bundled_instruments(venue);
    for (const auto& sym : config_.venues[v].symbols) {
      const auto same = [&](const core::InstrumentSpec& s) {
        return s.venue == venue && s.symbol == sym;
      };
      // The recording's spec, else the bundled one, else none (the codec derives it).
      auto it = std::find_if(recorded_specs_.begin(), recorded_specs_.end(), same);
      if (it != recorded_specs_.end()) {
        ++from_recording;
      } else {
        it = std::find_if(bundled.begin(), bundled.end(), same);
        if (it == bundled.end()) {
          derived +=
              (derived.empty() ? "" : ", ") + std::string(core::to_string(venue)) + " " + sym;
          continue;
        }
        ++from_bundle;
      }
      (void)table_.add(*it);
    }
  }
  if (!recorded_specs_.empty() || !derived.empty()) {
    // What a user replaying someone else's recording needs to know: whose contract sizes.
    LOG_INFO("replay: contract specs: %d from the recording, %d bundled%s%s", from_recording,
             from_bundle, derived.empty() ? "" : "; none for ", derived.c_str());
  }
}

void Replayer::apply_spec(const capture::RecordedFrame& f) {
  core::InstrumentSpec spec;
  std::string error;
  if (!capture::parse_spec_payload(f.payload, f.venue, spec, error)) {
    ++counts_.errors;
    if (errors_logged_++ < kMaxLoggedErrors) {
      LOG_WARN("replay: %s spec frame rejected (%s): %.120s",
               std::string(core::to_string(f.venue)).c_str(), error.c_str(), f.payload.c_str());
    }
    return;
  }
  // The spec in use for this instrument: the first recorded one until the instruments are
  // added at the first frame of market data, then the table's (recorded, bundled or derived).
  core::InstrumentSpec in_use;
  if (!instruments_added_) {
    const auto it = std::find_if(recorded_specs_.begin(), recorded_specs_.end(),
                                 [&](const core::InstrumentSpec& s) {
                                   return s.venue == spec.venue && s.symbol == spec.symbol;
                                 });
    if (it == recorded_specs_.end()) {
      recorded_specs_.push_back(spec);
      return;
    }
    in_use = *it;
  } else {
    const auto id = table_.find(spec.venue, spec.symbol);
    if (id == core::kNoInstrument) return;  // not tracked: its frames give no events anyway
    in_use = table_.get(id).spec();
  }
  if (!spec_changes_.first_difference(spec, in_use)) return;
  LOG_WARN(
      "replay: a recorded contract spec for %s %s (%s) differs from the one this replay uses "
      "(%s), which it keeps",
      std::string(core::to_string(spec.venue)).c_str(), spec.symbol.c_str(),
      capture::describe_contract(spec).c_str(), capture::describe_contract(in_use).c_str());
}

void Replayer::apply_settings(const capture::RecordedFrame& f) {
  // Every file of a recording repeats its settings: each payload is read once.
  if (std::find(settings_seen_.begin(), settings_seen_.end(), f.payload) != settings_seen_.end()) {
    return;
  }
  std::string recorded;
  try {
    recorded = config_digest(parse_config(f.payload, nullptr, "recorded settings"));
  } catch (const ConfigError& e) {
    ++counts_.errors;
    if (errors_logged_++ < kMaxLoggedErrors) {
      LOG_WARN("replay: settings frame at %lld rejected (%s): %.120s",
               static_cast<long long>(f.recv_wall_ns), e.what(), f.payload.c_str());
    }
    return;
  }
  settings_seen_.push_back(f.payload);
  if (recorded == digest_) return;
  const char* hint = nullptr;
  switch (origin_) {
    case SettingsOrigin::kGiven:  // the defaults: no settings frame first, or standard input
      hint = config_.source.empty()
                 ? "replay the recording's files, without --config, to use the recorded settings"
                 : "replay without --config to use the recorded settings";
      break;
    case SettingsOrigin::kRecorded:  // the first file's: a later file ran with others
      hint = "replay those files apart to use their settings";
      break;
    case SettingsOrigin::kRecordedOverridden:
      hint = "unset those variables to use the recorded settings";
      break;
  }
  LOG_WARN(
      "replay: frames from %lld on were recorded under other settings (config digest %s) than "
      "this replay's (%s, from %s): windows, Hawkes or cascade settings, venues or symbols "
      "differ, so results can differ from the live ones (%s)",
      static_cast<long long>(f.recv_wall_ns), recorded.c_str(), digest_.c_str(),
      config_.source.empty() ? "the defaults" : config_.source.c_str(), hint);
}

Replayer::~Replayer() = default;

std::vector<std::string> Replayer::untracked(const capture::CaptureHeaderInfo& header) const {
  std::vector<std::string> out;
  for (const auto& hv : header.venues) {
    core::Venue v{};
    if (!core::parse_venue(hv.name, v)) continue;
    const auto& mine = config_.venues[static_cast<std::size_t>(v)].symbols;
    for (const auto& sym : hv.symbols) {
      if (std::find(mine.begin(), mine.end(), sym) == mine.end()) out.push_back(hv.name + " " + sym);
    }
  }
  return out;
}

venues::Codec* Replayer::codec_for(core::Venue v) {
  auto& c = codecs_[static_cast<std::size_t>(v)];
  if (!c) {
    // The venue's configured settings (symbols), whether or not it is enabled for live use:
    // a recorded venue is always replayed.
    venues::VenueSettings s = config_.venues[static_cast<std::size_t>(v)];
    s.venue = v;
    c = venues::make_codec(s, table_);
    if (c) {
      // Files without status frames (JSONL from other tools) start connected.
      for (std::size_t e = 0; e < c->ws_endpoints().size(); ++e) {
        c->on_connected(static_cast<std::uint16_t>(e));
      }
    }
  }
  return c.get();
}

void Replayer::apply_status(const capture::RecordedFrame& f) {
  const bool up = capture::status_is_up(f.payload);
  core::FeedReason reason = core::FeedReason::kConnected;
  if (!up) {
    std::string_view why = f.payload;
    if (why.rfind("down", 0) == 0) why.remove_prefix(4);
    while (!why.empty() && why.front() == ' ') why.remove_prefix(1);
    reason = parse_reason(why);
  }
  venues::Codec* codec = codec_for(f.venue);
  if (up && codec != nullptr) codec->on_connected(f.connection);
  auto e = core::make_event(core::EventType::kFeedStatus, f.venue, core::kNoInstrument, 0,
                            f.recv_wall_ns, f.recv_wall_ns);
  e.status = core::FeedStatus{up, reason, f.connection};
  engine_->apply(e);
  ++counts_.events;
}

void Replayer::feed(const capture::RecordedFrame& f) {
  if (refit_due_) {
    // Decode ahead while the fit thread finishes the round due: plain market data only (a
    // status, spec or settings frame changes what the codecs or the engine hold), and no more
    // than kMaxDecodedAhead frames; then, or once the round is fitted, catch up.
    const bool market =
        f.channel == capture::FrameChannel::kWs || f.channel == capture::FrameChannel::kRest;
    if (!market || ahead_.size() >= kMaxDecodedAhead || catch_up(/*wait=*/false)) {
      if (refit_due_) (void)catch_up(/*wait=*/true);
    } else {
      const std::size_t before = ahead_events_.size();
      if (decode(f, ahead_events_)) ahead_.push_back({last_ts_, ahead_events_.size() - before});
      return;
    }
  }
  if (f.channel >= capture::FrameChannel::kSpec) {  // not market data: not counted in frames
    if (f.channel == capture::FrameChannel::kSpec) {
      apply_spec(f);
    } else {
      apply_settings(f);
    }
    return;
  }
  if (f.channel == capture::FrameChannel::kStatus) {
    count_frame(f);
    apply_status(f);
    timed_tasks(last_ts_, /*may_defer=*/true);
    return;
  }
  events_.clear();
  if (decode(f, events_)) apply_frame(events_, last_ts_, /*may_defer=*/true);
}

void Replayer::count_frame(const capture::RecordedFrame& f) {
  if (!instruments_added_) add_instruments();
  ++counts_.frames;
  if (f.recv_wall_ns > last_ts_) last_ts_ = f.recv_wall_ns;
}

void Replayer::apply_frame(std::span<const core::NormalizedEvent> events, std::int64_t ts_ns,
                           bool may_defer) {
  for (const auto& e : events) engine_->apply(e);
  counts_.events += events.size();
  timed_tasks(ts_ns, may_defer);
}

bool Replayer::decode(const capture::RecordedFrame& f, std::vector<core::NormalizedEvent>& out) {
  count_frame(f);
  const std::int64_t now = f.recv_wall_ns;
  venues::Codec* codec = codec_for(f.venue);
  if (codec == nullptr) {
    ++counts_.errors;
    return false;
  }
  venues::FrameMeta meta;
  meta.channel = capture::codec_channel(f.channel);
  meta.endpoint = f.connection;
  // Only the wall time is part of both interchange formats; the steady reading is not used.
  meta.recv_wall_ns = now;
  meta.recv_steady_ns = now;
  reply_.clear();
  const auto r = codec->decode(f.payload, meta, out, reply_);
  if (venues::is_error(r.status)) {
    ++counts_.errors;
    if (errors_logged_++ < kMaxLoggedErrors) {
      LOG_WARN("replay: %s frame at %lld rejected (%s): %.120s",
               std::string(core::to_string(f.venue)).c_str(), static_cast<long long>(now),
               std::string(venues::to_string(r.status)).c_str(), f.payload.c_str());
    }
  }
  return true;
}

void Replayer::timed_tasks(std::int64_t now_ns, bool may_defer) {
  if (!started_) {
    started_ = true;
    last_full_publish_ = now_ns - kFullPublishNs;
    last_refit_ = now_ns;
  }
  if (now_ns - last_full_publish_ >= kFullPublishNs) {
    last_full_publish_ = now_ns;
    engine_->publish(now_ns, true);
  }
  if (now_ns - last_refit_ >= kRefitNs) {
    last_refit_ = now_ns;
    // As the service's fit thread, at recorded times: the previous round is installed, the
    // next collected and fitted while replay goes on.
    if (!take_fits(/*wait=*/!may_defer)) {
      refit_due_ = true;
      refit_due_ns_ = now_ns;
      return;
    }
    start_fits(now_ns);
  }
}

bool Replayer::take_fits(bool wait) {
  if (!fits_pending_) return true;
  if (wait) {
    fits_->wait_take(fit_results_);
  } else if (!fits_->try_take(fit_results_)) {
    return false;
  }
  fits_pending_ = false;
  for (const auto& r : fit_results_) engine_->apply_fit(r);
  return true;
}

void Replayer::start_fits(std::int64_t now_ns) {
  jobs_.clear();
  engine_->collect_fit_jobs(now_ns, jobs_);
  if (jobs_.empty()) return;
  // Nice 10, as the service's: on two cores the fits share one with the block reader,
  // and the replaying thread, which waits for them only once a recorded second, should
  // not lose its core to them (5% of a max-speed replay's wall time).
  if (!fits_) fits_ = std::make_unique<FitWorker>(/*nice=*/10);
  fits_->submit(jobs_);
  fits_pending_ = true;
}

bool Replayer::catch_up(bool wait) {
  if (!take_fits(wait)) return false;
  refit_due_ = false;
  start_fits(refit_due_ns_);
  // The frames decoded meanwhile, in order, each followed by its periodic work. A refit tick
  // among them waits for its round: they are few, and nothing more is decoded until they are
  // applied.
  std::size_t next = 0;
  for (const DecodedAhead& d : ahead_) {
    apply_frame(std::span(ahead_events_).subspan(next, d.events), d.ts_ns, /*may_defer=*/false);
    next += d.events;
  }
  ahead_.clear();
  ahead_events_.clear();
  return true;
}

double Replayer::fit_seconds() const noexcept {
  return fits_ ? static_cast<double>(fits_->busy_ns()) / 1e9 : 0.0;
}

void Replayer::finish() {
  if (!instruments_added_) add_instruments();
  if (refit_due_) (void)catch_up(/*wait=*/true);
  (void)take_fits(/*wait=*/true);
  engine_->publish(last_ts_, true);
}

std::string Replayer::result_json() const {
  std::string out = "{\"instruments\":[";
  bool first = true;
  core::InstrumentMetrics m;
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const auto id = static_cast<core::InstrumentId>(i);
    if (!table_.get(id).tracked || !state_->instrument(id, m)) continue;
    if (!first) out += ',';
    first = false;
    http::append_instrument(out, *state_, m, -1);
  }
  out += "],\"assets\":";
  http::ApiContext ctx;
  ctx.state = state_.get();
  const std::int64_t as_of = state_->as_of_ns();
  ctx.wall_now_ns = [as_of] { return as_of; };
  ctx.steady_now_ns = [as_of] { return as_of; };
  ctx.ready = [](std::string&) { return true; };
  out += list_of(http::route_request("GET", "/v1/assets", ctx).body);
  out += ",\"cascades\":";
  out += list_of(http::route_request("GET", "/v1/cascades", ctx).body);
  out += ",\"frames\":" + std::to_string(counts_.frames);
  out += ",\"events\":" + std::to_string(counts_.events);
  out += ",\"errors\":" + std::to_string(counts_.errors);
  out += '}';
  return out;
}

namespace {

/// The files `inputs` stand for: a directory, its capture files in the order written.
bool input_files(const std::vector<std::string>& inputs, std::vector<std::string>& files,
                 std::string& error) {
  for (const auto& path : inputs) {
    std::error_code ec;
    if (path == "-" || !std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
    } else if (!capture::capture_files_in(path, files, error)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool recorded_settings(const std::vector<std::string>& inputs, capture::FileFormat format,
                       std::string& payload, std::string& path) {
  std::vector<std::string> files;
  std::string error;
  if (!input_files(inputs, files, error) || files.empty()) return false;
  // Standard input is read ahead and given back: the replay reads those lines again.
  capture::FrameSource src;
  if (!src.open(files.front(), format, error, /*keep=*/true)) {
    return false;  // open_sources says why
  }
  capture::RecordedFrame frame;
  bool found = false;
  // The settings come first; specs may come before them (JSONL from other tools). A bounded
  // look: what is read from standard input is held until the replay reads it again.
  for (int looked = 0; looked < 4096; ++looked) {
    const auto r = src.next(frame, error);
    if (r == capture::FrameSource::Next::kEnd) break;
    if (r == capture::FrameSource::Next::kBadLine) continue;
    if (frame.channel == capture::FrameChannel::kSettings) {
      payload = std::move(frame.payload);
      path = files.front() == "-" ? "standard input" : files.front();
      found = true;
      break;
    }
    if (frame.channel != capture::FrameChannel::kSpec) break;
  }
  src.give_back();
  return found;
}

bool open_sources(const std::vector<std::string>& inputs, capture::FileFormat format,
                  std::vector<std::unique_ptr<capture::FrameSource>>& out) {
  std::vector<std::string> files;
  std::string dir_error;
  if (!input_files(inputs, files, dir_error)) {
    std::fprintf(stderr, "levdyn: %s\n", dir_error.c_str());
    return false;
  }
  for (const auto& path : files) {
    auto src = std::make_unique<capture::FrameSource>();
    std::string error;
    if (!src->open(path, format, error)) {
      std::fprintf(stderr, "levdyn: %s\n", error.c_str());
      return false;
    }
    out.push_back(std::move(src));
  }
  return true;
}

namespace {

/// CPU seconds the calling thread has run (not waited).
double thread_cpu_seconds() noexcept {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0.0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// With more than one input, which one starts (a directory of hourly files takes a while).
void log_next_source(const char* what, std::size_t i,
                     const std::vector<std::unique_ptr<capture::FrameSource>>& sources) {
  if (sources.size() > 1) {
    LOG_INFO("%s: %s (%zu of %zu)", what, sources[i]->path().c_str(), i + 1, sources.size());
  }
}

/// A capture recorded with symbols the replay's config does not track: their frames would
/// vanish without a word (they decode to no events), so say which and what to do.
void warn_untracked(const Replayer& replayer, const capture::FrameSource& src, bool has_settings) {
  const auto missing = replayer.untracked(src.capture().header());
  if (missing.empty()) return;
  std::string list;
  for (std::size_t k = 0; k < missing.size() && k < 8; ++k) list += (k ? ", " : "") + missing[k];
  if (missing.size() > 8) list += " and " + std::to_string(missing.size() - 8) + " more";
  LOG_WARN(
      "replay: %s was recorded with %s, which this config does not track: their frames give "
      "no events (%s)",
      src.path().c_str(), list.c_str(),
      has_settings ? "replay without --config to use the recorded settings"
                   : "replay with the recording's --config");
}

/// A capture recorded with other settings (windows, Hawkes, cascade thresholds, venues and
/// symbols: the header's config digest) replays to other results than the service computed.
void warn_settings(const std::string& digest, const capture::FrameSource& src) {
  const std::string& recorded = src.capture().header().config_digest;
  if (recorded.empty() || recorded == digest) return;  // empty: a merged or imported capture
  LOG_WARN(
      "replay: %s: recorded under other settings (config digest %s; this replay's is %s): "
      "windows, Hawkes or cascade settings, venues or symbols differ, so results can differ "
      "from the live ones (replay with the recording's --config)",
      src.path().c_str(), recorded.c_str(), digest.c_str());
}

void report_damage(const capture::FrameSource& src, std::uint64_t& errors) {
  if (src.damage().empty()) return;
  ++errors;
  LOG_WARN("capture damaged: %s; the rest of the file is skipped", src.damage().c_str());
}

}  // namespace

void replay_sources(Replayer& replayer, std::vector<std::unique_ptr<capture::FrameSource>>& sources,
                    double speed, const std::atomic<bool>* stop) {
  capture::RecordedFrame frame;
  std::string error;
  std::uint64_t bad_lines = 0;
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = thread_cpu_seconds();
  std::int64_t first_ts = -1;
  auto stopped = [stop] { return stop != nullptr && stop->load(std::memory_order_relaxed); };
  for (std::size_t i = 0; i < sources.size() && !stopped(); ++i) {
    auto& src = sources[i];
    log_next_source("replay", i, sources);
    bool header_checked = src->format() != capture::FileFormat::kCapture;
    while (!stopped()) {
      const auto r = src->next(frame, error);
      if (r == capture::FrameSource::Next::kEnd) break;
      if (!header_checked) {  // the header is read with the first frame
        header_checked = true;
        // A file that starts with its settings frame is checked by the replayer, which names
        // settings that differ once, not once per file.
        const bool has_settings = r == capture::FrameSource::Next::kFrame &&
                                  frame.channel == capture::FrameChannel::kSettings;
        warn_untracked(replayer, *src, has_settings);
        if (!has_settings) warn_settings(replayer.digest(), *src);
      }
      if (r == capture::FrameSource::Next::kBadLine) {
        replayer.count_error();
        if (bad_lines++ < kMaxLoggedErrors) LOG_WARN("replay: %s", error.c_str());
        continue;
      }
      if (speed > 0) {
        // Pace by recorded time: frame t is due at start + (t - t0) / speed. Sleep in short
        // steps so a stop request is seen.
        if (first_ts < 0) first_ts = frame.recv_wall_ns;
        const auto due =
            wall_start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                             static_cast<double>(frame.recv_wall_ns - first_ts) / speed));
        while (!stopped() && due > std::chrono::steady_clock::now()) {
          std::this_thread::sleep_until(
              std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
        }
      }
      replayer.feed(frame);
    }
    std::uint64_t damaged = 0;
    report_damage(*src, damaged);
    for (std::uint64_t k = 0; k < damaged; ++k) replayer.count_error();
  }
  replayer.finish();
  const auto& c = replayer.counts();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  // The replaying thread's own CPU time: reading frames (a JSONL line's parse; a capture's
  // records, its blocks being read and decompressed on their own thread), decode and engine,
  // without the time it waited for blocks or fits.
  const double cpu = thread_cpu_seconds() - cpu_start;
  LOG_INFO(
      "replay: %llu frames, %llu events, %llu errors in %.3f s (%.0f frames/s; replaying "
      "thread %.3f s of CPU, %.0f frames per CPU second; %.3f s in Hawkes fits on the fit "
      "thread)",
      static_cast<unsigned long long>(c.frames), static_cast<unsigned long long>(c.events),
      static_cast<unsigned long long>(c.errors), secs,
      secs > 0 ? static_cast<double>(c.frames) / secs : 0.0, cpu,
      cpu > 0 ? static_cast<double>(c.frames) / cpu : 0.0, replayer.fit_seconds());
}

int run_replay(const Config& config, const ReplayOptions& options, std::ostream& out) {
  std::vector<std::unique_ptr<capture::FrameSource>> sources;
  if (!open_sources(options.files, options.format, sources)) return 2;
  Replayer replayer(config, options.settings);
  replay_sources(replayer, sources, options.speed);
  out << replayer.result_json() << '\n';
  out.flush();
  return out ? 0 : 1;
}

int run_export(const std::vector<std::string>& files, capture::FileFormat format,
               std::ostream& out) {
  std::vector<std::unique_ptr<capture::FrameSource>> sources;
  if (!open_sources(files, format, sources)) return 2;
  capture::RecordedFrame frame;
  capture::JsonlFrame jf;
  std::string error, buf;
  std::uint64_t frames = 0, errors = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    auto& src = sources[i];
    log_next_source("export", i, sources);
    for (;;) {
      const auto r = src->next(frame, error);
      if (r == capture::FrameSource::Next::kEnd) break;
      if (r == capture::FrameSource::Next::kBadLine) {
        if (errors++ < kMaxLoggedErrors) LOG_WARN("export: %s", error.c_str());
        continue;
      }
      jf.ts_ns = frame.recv_wall_ns;
      jf.venue = frame.venue;
      jf.channel = frame.channel;
      jf.up =
          frame.channel == capture::FrameChannel::kStatus && capture::status_is_up(frame.payload);
      jf.connection = frame.connection;
      jf.frame.swap(frame.payload);
      buf.clear();
      capture::append_jsonl_frame(buf, jf);
      out << buf;
      ++frames;
    }
    report_damage(*src, errors);
  }
  out.flush();
  LOG_INFO("export: %llu frames, %llu errors", static_cast<unsigned long long>(frames),
           static_cast<unsigned long long>(errors));
  return out ? 0 : 1;
}

int run_export_capture(const std::vector<std::string>& files, capture::FileFormat format,
                       const std::string& out_path) {
  std::vector<std::unique_ptr<capture::FrameSource>> sources;
  if (!open_sources(files, format, sources)) return 2;
  for (const auto& src : sources) {  // writing it would cut short the input read after it
    std::error_code ec;
    if (src->path() != "-" && std::filesystem::equivalent(src->path(), out_path, ec)) {
      std::fprintf(stderr, "levdyn: --out: '%s' is also an input\n", out_path.c_str());
      return 2;
    }
  }
  capture::CaptureWriter writer;
  capture::CaptureHeaderInfo header;
  header.levdyn_version = version();  // venues and config digest unknown: left empty
  std::string error;
  capture::RecordedFrame frame;
  std::uint64_t frames = 0, errors = 0;
  bool opened = false;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    auto& src = sources[i];
    log_next_source("export", i, sources);
    for (;;) {
      const auto r = src->next(frame, error);
      if (r == capture::FrameSource::Next::kEnd) break;
      if (r == capture::FrameSource::Next::kBadLine) {
        if (errors++ < kMaxLoggedErrors) LOG_WARN("export: %s", error.c_str());
        continue;
      }
      if (!opened) {
        header.created_wall_ns = frame.recv_wall_ns;
        if (!writer.open(out_path, header, error)) {
          std::fprintf(stderr, "levdyn: %s\n", error.c_str());
          return 1;
        }
        opened = true;
      }
      if (!writer.append(frame)) {
        std::fprintf(stderr, "levdyn: write error on '%s'\n", out_path.c_str());
        return 1;
      }
      ++frames;
    }
    report_damage(*src, errors);
  }
  if (!opened && !writer.open(out_path, header, error)) {  // no frames: an empty capture
    std::fprintf(stderr, "levdyn: %s\n", error.c_str());
    return 1;
  }
  if (!writer.close()) {
    std::fprintf(stderr, "levdyn: write error on '%s'\n", out_path.c_str());
    return 1;
  }
  LOG_INFO("export: %llu frames, %llu errors into %s", static_cast<unsigned long long>(frames),
           static_cast<unsigned long long>(errors), out_path.c_str());
  return 0;
}

}  // namespace levdyn::app
