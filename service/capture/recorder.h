#pragma once

// The capture recorder (`serve --record`, `demo --record`, `levdyn record`): feed threads hand
// it a copy of every frame through a FrameTap; its own writer thread compresses and writes
// capture files, rotating them every `rotate` (files named levdyn-YYYYMMDDTHHMMSSZ.ldcap, UTC).
//
// The feed thread never blocks on it: each tap pushes onto its own bounded SPSC ring of
// heap-allocated frames. When a ring is full the frame is dropped, counted in dropped() (logged
// as a warning, and in the final summary) — the recorder never slows the market-data path.
// Blocks are written when full or at least every `flush_interval`, so a crash loses at most
// that much. stop() drains the rings, flushes and closes the file.
//
// Thread-safety: tap() and start()/stop() from the controlling thread before/after the feeds
// run; each returned tap is called by one feed thread only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_queue.h"
#include "service/capture/capture_writer.h"
#include "service/capture/recorded_frame.h"
#include "service/feed/feed_types.h"

namespace levdyn::capture {

struct RecorderOptions {
  std::string dir;
  std::chrono::milliseconds rotate{3'600'000};
  std::chrono::milliseconds flush_interval{1'000};
  std::size_t ring_capacity = 65536;  // frames per tap
  std::size_t block_bytes = 256 * 1024;
  CaptureHeaderInfo header;  // created_wall_ns is set per file
  /// Written at the start of every file, before its first frame, with that frame's receive
  /// times: the contract specs the recording uses (spec_frames()), so each file replays alone.
  std::vector<RecordedFrame> file_preamble;
};

class Recorder {
 public:
  /// Creates `options.dir` if needed; throws std::runtime_error when it cannot (start-up).
  explicit Recorder(RecorderOptions options);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// A tap for one producer thread (a new ring each call). Call before start().
  [[nodiscard]] feed::FrameTap tap();

  void start();
  /// Drains every ring, writes the last block and closes the file; joins the writer thread.
  void stop();

  [[nodiscard]] std::uint64_t frames_written() const noexcept {
    return written_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t dropped() const noexcept;
  [[nodiscard]] std::uint64_t files() const noexcept {
    return files_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t write_errors() const noexcept {
    return write_errors_.load(std::memory_order_relaxed);
  }

  /// "levdyn-20261125T101500Z.ldcap" for that wall time.
  [[nodiscard]] static std::string file_name(std::int64_t wall_ns);

 private:
  struct Ring {
    explicit Ring(std::size_t capacity) : queue(capacity) {}
    core::SpscQueue<RecordedFrame*> queue;  // owned pointers: the consumer deletes them
    std::atomic<std::uint64_t> dropped{0};
  };

  void loop();
  /// Writes what the rings hold; returns frames written.
  std::size_t drain();
  void write(const RecordedFrame& f);
  bool open_file(const RecordedFrame& first);

  RecorderOptions options_;
  std::vector<std::unique_ptr<Ring>> rings_;
  CaptureWriter writer_;
  std::int64_t file_start_wall_ns_ = 0;
  std::chrono::steady_clock::time_point last_flush_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> files_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::uint64_t drops_reported_ = 0;
};

}  // namespace levdyn::capture
