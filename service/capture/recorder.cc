#include "service/capture/recorder.h"

#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "service/feed/log.h"
#include "service/feed/thread_name.h"

namespace levdyn::capture {

namespace fs = std::filesystem;

Recorder::Recorder(RecorderOptions options)
    : options_(std::move(options)), writer_(options_.block_bytes) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec || !fs::is_directory(options_.dir)) {
    throw std::runtime_error("capture.dir: cannot create directory '" + options_.dir + "'");
  }
}

Recorder::~Recorder() {
  stop();
  for (auto& r : rings_) {
    while (RecordedFrame* const* f = r->queue.front()) {
      delete *f;
      r->queue.pop();
    }
  }
}

feed::FrameTap Recorder::tap() {
  rings_.push_back(std::make_unique<Ring>(options_.ring_capacity));
  Ring* ring = rings_.back().get();
  return [ring](const feed::RawFrame& raw) {
    auto* f = new RecordedFrame;
    f->venue = raw.venue;
    f->connection = raw.connection;
    f->recv_wall_ns = raw.recv_wall_ns;
    f->recv_steady_ns = raw.recv_steady_ns;
    if (raw.status) {
      f->channel = FrameChannel::kStatus;
      f->payload = raw.up ? "up" : "down ";
      if (!raw.up) f->payload.append(raw.payload);
    } else {
      f->channel = raw.channel == venues::Channel::kRest ? FrameChannel::kRest : FrameChannel::kWs;
      f->payload.assign(raw.payload);
    }
    if (!ring->queue.try_push(f)) {
      delete f;  // the writer is behind: drop rather than slow the feed (counted)
      ring->dropped.fetch_add(1, std::memory_order_relaxed);
    }
  };
}

std::uint64_t Recorder::dropped() const noexcept {
  std::uint64_t n = 0;
  for (const auto& r : rings_) n += r->dropped.load(std::memory_order_relaxed);
  return n;
}

std::string Recorder::file_name(std::int64_t wall_ns) {
  const std::time_t secs = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "levdyn-%Y%m%dT%H%M%SZ.ldcap", &tm);
  return buf;
}

bool Recorder::open_file(const RecordedFrame& first) {
  const std::int64_t wall_ns = first.recv_wall_ns;
  if (writer_.is_open() && !writer_.close()) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    LOG_ERROR("capture: error closing %s", writer_.path().c_str());
  }
  std::string name = file_name(wall_ns);
  fs::path path = fs::path(options_.dir) / name;
  for (int i = 1; fs::exists(path); ++i) {  // two files within one second
    path = fs::path(options_.dir) /
           (name.substr(0, name.size() - 6) + "-" + std::to_string(i) + ".ldcap");
  }
  CaptureHeaderInfo header = options_.header;
  header.created_wall_ns = wall_ns;
  std::string error;
  if (!writer_.open(path.string(), header, error)) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    LOG_ERROR("capture: %s", error.c_str());
    return false;
  }
  for (RecordedFrame f : options_.file_preamble) {
    f.recv_wall_ns = wall_ns;
    f.recv_steady_ns = first.recv_steady_ns;
    if (!writer_.append(f)) {
      write_errors_.fetch_add(1, std::memory_order_relaxed);
      LOG_ERROR("capture: write error on %s", writer_.path().c_str());
      break;
    }
  }
  file_start_wall_ns_ = wall_ns;
  files_.fetch_add(1, std::memory_order_relaxed);
  LOG_INFO("capture: writing %s", path.string().c_str());
  return true;
}

void Recorder::write(const RecordedFrame& f) {
  const std::int64_t rotate_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.rotate).count();
  if (!writer_.is_open() || (rotate_ns > 0 && f.recv_wall_ns - file_start_wall_ns_ >= rotate_ns)) {
    if (!open_file(f)) return;
  }
  if (!writer_.append(f)) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    if (write_errors_.load(std::memory_order_relaxed) <= 5) {
      LOG_ERROR("capture: write error on %s", writer_.path().c_str());
    }
    return;
  }
  written_.fetch_add(1, std::memory_order_relaxed);
}

std::size_t Recorder::drain() {
  std::size_t n = 0;
  for (auto& r : rings_) {
    while (RecordedFrame* const* slot = r->queue.front()) {
      RecordedFrame* f = *slot;
      r->queue.pop();
      write(*f);
      delete f;
      ++n;
    }
  }
  return n;
}

void Recorder::loop() {
  last_flush_ = std::chrono::steady_clock::now();
  while (running_.load(std::memory_order_acquire)) {
    const std::size_t n = drain();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush_ >= options_.flush_interval) {
      last_flush_ = now;
      if (writer_.is_open() && writer_.buffered_bytes() > 0 && !writer_.flush()) {
        write_errors_.fetch_add(1, std::memory_order_relaxed);
        LOG_ERROR("capture: flush error on %s", writer_.path().c_str());
      }
      const std::uint64_t d = dropped();
      if (d > drops_reported_) {
        LOG_WARN("capture: %llu frames dropped so far (writer behind, ring full)",
                 static_cast<unsigned long long>(d));
        drops_reported_ = d;
      }
    }
    // The writer is not latency-critical: a short sleep when idle keeps it off the CPU.
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Recorder::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    feed::set_thread_name("levdyn-capture");
    loop();
  });
}

void Recorder::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  drain();
  if (writer_.is_open() && !writer_.close()) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    LOG_ERROR("capture: error closing %s", writer_.path().c_str());
  }
  LOG_INFO("capture: %llu frames written to %llu files, %llu dropped, %llu write errors",
           static_cast<unsigned long long>(frames_written()),
           static_cast<unsigned long long>(files()), static_cast<unsigned long long>(dropped()),
           static_cast<unsigned long long>(write_errors()));
}

}  // namespace levdyn::capture
