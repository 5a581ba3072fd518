#pragma once

// Writes one capture file: the header, then frames, compressed with zstd in blocks. A block is
// written when it reaches `block_bytes` or on flush(); a crash loses at most the block being
// filled. Not thread-safe: owned by the recorder's writer thread (or a test).

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "service/capture/recorded_frame.h"

struct ZSTD_CCtx_s;  // zstd.h's ZSTD_CCtx

namespace levdyn::capture {

/// What the file header records (levdyn.v1.CaptureHeader).
struct CaptureHeaderInfo {
  std::string levdyn_version;
  struct Venue {
    std::string name;
    std::vector<std::string> symbols;
  };
  std::vector<Venue> venues;
  std::string config_digest;
  std::int64_t created_wall_ns = 0;
};

class CaptureWriter {
 public:
  /// zstd level 1 by default: on venues' JSON frames it writes smaller blocks than level 3
  /// (25.4 against 26.3 MB for the 400 k benchmark frames), compresses them 1.3× faster, and
  /// they decompress faster on replay (docs/formats.md).
  explicit CaptureWriter(std::size_t block_bytes = 256 * 1024, int level = 1);
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  /// Creates `path` (truncating) and writes the magic and the header block. False with
  /// `error` set when the file cannot be written.
  [[nodiscard]] bool open(const std::string& path, const CaptureHeaderInfo& header,
                          std::string& error);
  /// Buffers one frame; writes a block when the buffer is full. False on a write error.
  [[nodiscard]] bool append(const RecordedFrame& frame);
  /// Compresses and writes the buffered frames as one block, then fflush(). False on error.
  [[nodiscard]] bool flush();
  /// Flushes and closes. False on error.
  bool close();

  [[nodiscard]] bool is_open() const noexcept { return file_ != nullptr; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return raw_.size(); }

 private:
  void append_record(const std::string& message);

  struct FreeCCtx {
    void operator()(ZSTD_CCtx_s* cctx) const noexcept;
  };

  std::size_t block_bytes_;
  int level_;
  std::unique_ptr<ZSTD_CCtx_s, FreeCCtx> cctx_;  // made on the first block, then reused
  std::FILE* file_ = nullptr;
  std::string path_;
  std::string raw_;         // records of the block being filled
  std::string compressed_;  // scratch
  std::string scratch_;     // one serialized message
  std::uint64_t frames_ = 0;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace levdyn::capture
