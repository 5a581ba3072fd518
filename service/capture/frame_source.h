#pragma once

// Frames from a file of either interchange format, for replay and export: a levdyn capture
// file (capture_reader.h) or JSONL frames (jsonl.h). The format is given or detected from the
// file's magic, then its extension, then its first byte. Never throws on bad input.
// Not thread-safe: one source per thread.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/capture/capture_reader.h"
#include "service/capture/jsonl.h"
#include "service/capture/recorded_frame.h"

namespace levdyn::capture {

enum class FileFormat : std::uint8_t { kAuto, kCapture, kJsonl };
/// "capture", "jsonl" (and "auto"); false for anything else.
[[nodiscard]] bool parse_file_format(std::string_view s, FileFormat& out) noexcept;

/// The capture files (`*.ldcap`) of a recording directory, in the order the recorder wrote
/// them: by name (levdyn-YYYYMMDDTHHMMSSZ.ldcap, UTC), and a file opened within the same
/// second ("…Z-1.ldcap", "…Z-2.ldcap", …) after the first in the order of its number. False
/// with a one-line `error` when `dir` cannot be listed or holds no capture file.
[[nodiscard]] bool capture_files_in(const std::string& dir, std::vector<std::string>& out,
                                    std::string& error);

class JsonlPrefetcher;

class FrameSource {
 public:
  enum class Next : std::uint8_t { kFrame, kEnd, kBadLine };

  FrameSource();
  ~FrameSource();
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;

  /// Checks `path` ("-" = JSONL on stdin): false with a one-line `error` when it cannot be read
  /// or its format is not recognised. The file is opened by the first next() and closed at its
  /// end, so a list of many sources holds one open file (and one block reader) at a time.
  /// With `keep` (standard input only), everything read is retained for give_back().
  [[nodiscard]] bool open(const std::string& path, FileFormat format, std::string& error,
                          bool keep = false);
  /// Standard input can be read only once. A source on "-" opened with `keep` hands what it
  /// has read to the next source opened on "-", which reads it again from the first line and
  /// then reads on where this one stopped (replay looks for the recorded settings first).
  void give_back();
  /// kFrame: `out` holds the next frame. kBadLine: a JSONL line was rejected (`error` says why,
  /// with its line number), or the file could no longer be opened; go on reading. kEnd: the
  /// end, or damage (see damage()).
  [[nodiscard]] Next next(RecordedFrame& out, std::string& error);

  [[nodiscard]] FileFormat format() const noexcept { return format_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Non-empty when a capture file ended at damage (truncated or corrupt tail).
  [[nodiscard]] const std::string& damage() const noexcept { return capture_.damage(); }
  [[nodiscard]] const CaptureReader& capture() const noexcept { return capture_; }

 private:
  bool start(std::string& error);
  void start_read_ahead() noexcept;
  void release() noexcept;
  Next next_line(RecordedFrame& out, std::string& error);
  bool read_line(std::string_view& line);

  FileFormat format_ = FileFormat::kAuto;
  std::string path_;
  bool started_ = false;  // opened by the first next()
  bool ended_ = false;    // read to its end (or damage) and released
  CaptureReader capture_;
  // JSONL: buffered line reader.
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  bool keep_ = false;  // standard input read ahead: nothing read is dropped (give_back)
  std::uint64_t line_no_ = 0;
  std::string parse_error_;
  JsonlFrame jsonl_;
  // JSONL (but not standard input opened with `keep`): the lines read and parsed ahead on a
  // thread of their own.
  std::unique_ptr<JsonlPrefetcher> ahead_;
};

}  // namespace levdyn::capture
