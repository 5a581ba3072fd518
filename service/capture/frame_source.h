#pragma once

// Frames from a file of either interchange format, for replay and export: a levdyn capture
// file (capture_reader.h) or JSONL frames (jsonl.h). The format is given or detected from the
// file's magic, then its extension, then its first byte. Never throws on bad input.
// Not thread-safe: one source per thread.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "service/capture/capture_reader.h"
#include "service/capture/jsonl.h"
#include "service/capture/recorded_frame.h"

namespace levdyn::capture {

enum class FileFormat : std::uint8_t { kAuto, kCapture, kJsonl };
/// "capture", "jsonl" (and "auto"); false for anything else.
[[nodiscard]] bool parse_file_format(std::string_view s, FileFormat& out) noexcept;

class FrameSource {
 public:
  enum class Next : std::uint8_t { kFrame, kEnd, kBadLine };

  FrameSource() = default;
  ~FrameSource();
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;

  /// Opens `path` ("-" = JSONL on stdin). False with a one-line `error` when it cannot be read
  /// or its format is not recognised.
  [[nodiscard]] bool open(const std::string& path, FileFormat format, std::string& error);
  /// kFrame: `out` holds the next frame. kBadLine: a JSONL line was rejected (`error` says why,
  /// with its line number); go on reading. kEnd: the end, or damage (see damage()).
  [[nodiscard]] Next next(RecordedFrame& out, std::string& error);

  [[nodiscard]] FileFormat format() const noexcept { return format_; }
  /// Non-empty when a capture file ended at damage (truncated or corrupt tail).
  [[nodiscard]] const std::string& damage() const noexcept { return capture_.damage(); }
  [[nodiscard]] const CaptureReader& capture() const noexcept { return capture_; }

 private:
  bool read_line(std::string_view& line);

  FileFormat format_ = FileFormat::kAuto;
  std::string path_;
  CaptureReader capture_;
  // JSONL: buffered line reader.
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_no_ = 0;
  std::string parse_error_;
  JsonlFrame jsonl_;
};

}  // namespace levdyn::capture
