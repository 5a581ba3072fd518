#pragma once

// Reads a capture file frame by frame, block by block. Damage (a truncated tail, a block whose
// header, checksum or records do not parse) ends the file at the last good block: next()
// returns false and damage() names the file and the byte offset of the bad block, so the
// caller can warn and keep what was read. Never throws on bad input.
// Not thread-safe: one reader per thread. Each open file has a thread of its own that reads
// and decompresses the blocks ahead of next() (zstd is a quarter of a replay's time).

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "service/capture/capture_writer.h"
#include "service/capture/recorded_frame.h"

namespace levdyn::capture {

class BlockPrefetcher;

class CaptureReader {
 public:
  CaptureReader();
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  /// Opens `path` and reads its header. False with `error` set when the file cannot be read
  /// or is not a capture file (wrong magic). A damaged header block is not an open error:
  /// the file then yields no frames and damage() says why.
  [[nodiscard]] bool open(const std::string& path, std::string& error);
  /// The next frame; false at the end of the file or at the first damage.
  [[nodiscard]] bool next(RecordedFrame& out);

  [[nodiscard]] const CaptureHeaderInfo& header() const noexcept { return header_; }
  [[nodiscard]] std::uint32_t format_version() const noexcept { return format_version_; }
  /// Empty when the file was read to its end cleanly; else "FILE: truncated block at byte N…".
  [[nodiscard]] const std::string& damage() const noexcept { return damage_; }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }

  /// One frame record (a serialized v1::Frame) into `out`, as v1::Frame::ParseFromArray reads
  /// it; false when it does not parse, names no known venue or a connection above 65535.
  [[nodiscard]] static bool read_frame(const char* data, std::size_t size, RecordedFrame& out);

  /// True when the first bytes of `path` are the capture magic.
  [[nodiscard]] static bool sniff(const std::string& path);
  /// True when `first8` (a file's first 8 bytes) is the capture magic.
  [[nodiscard]] static bool is_magic(const char* first8) noexcept;

  /// Closes the file and joins its block reader; header(), damage() and frames() stay.
  void close() noexcept;

 private:
  bool load_block();
  bool next_record(const char*& data, std::size_t& size);
  void fail(std::uint64_t offset, const std::string& why);

  std::FILE* file_ = nullptr;
  std::string path_;
  std::uint64_t offset_ = 0;                   // file offset of the next block
  std::uint64_t block_offset_ = 0;             // file offset of the current block
  std::unique_ptr<BlockPrefetcher> prefetch_;  // owns the reading thread while a file is open
  std::string raw_;
  std::size_t pos_ = 0;  // next record in raw_
  bool done_ = true;
  CaptureHeaderInfo header_;
  std::uint32_t format_version_ = 0;
  std::string damage_;
  std::uint64_t frames_ = 0;
};

}  // namespace levdyn::capture
