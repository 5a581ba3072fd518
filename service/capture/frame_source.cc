#include "service/capture/frame_source.h"

#include <cerrno>
#include <cstring>

namespace levdyn::capture {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr std::size_t kReadChunk = 1u << 20;

}  // namespace

bool parse_file_format(std::string_view s, FileFormat& out) noexcept {
  if (s == "capture") {
    out = FileFormat::kCapture;
  } else if (s == "jsonl") {
    out = FileFormat::kJsonl;
  } else if (s == "auto") {
    out = FileFormat::kAuto;
  } else {
    return false;
  }
  return true;
}

FrameSource::~FrameSource() {
  if (owns_file_ && file_ != nullptr) std::fclose(file_);
}

bool FrameSource::open(const std::string& path, FileFormat format, std::string& error) {
  path_ = path;
  if (format == FileFormat::kAuto) {
    if (path == "-") {
      format = FileFormat::kJsonl;
    } else if (CaptureReader::sniff(path)) {
      format = FileFormat::kCapture;
    } else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ||
               ends_with(path, ".json")) {
      format = FileFormat::kJsonl;
    } else {
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (f == nullptr) {
        error = "cannot open '" + path + "': " + std::strerror(errno);
        return false;
      }
      int c = 0;
      while ((c = std::fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t') {
      }
      std::fclose(f);
      if (c != '{') {
        error = "'" + path + "': unrecognised format (neither a levdyn capture nor JSONL " +
                "frames); give --format capture|jsonl";
        return false;
      }
      format = FileFormat::kJsonl;
    }
  }
  format_ = format;
  if (format == FileFormat::kCapture) return capture_.open(path, error);
  if (path == "-") {
    file_ = stdin;
  } else {
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      error = "cannot open '" + path + "': " + std::strerror(errno);
      return false;
    }
    owns_file_ = true;
  }
  return true;
}

bool FrameSource::read_line(std::string_view& line) {
  for (;;) {
    const std::size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line = std::string_view(buf_).substr(pos_, nl - pos_);
      pos_ = nl + 1;
      return true;
    }
    if (eof_) {
      if (pos_ >= buf_.size()) return false;
      line = std::string_view(buf_).substr(pos_);  // a last line without a newline
      pos_ = buf_.size();
      return true;
    }
    buf_.erase(0, pos_);  // keep the partial line, read more behind it
    pos_ = 0;
    const std::size_t have = buf_.size();
    buf_.resize(have + kReadChunk);
    const std::size_t got = std::fread(buf_.data() + have, 1, kReadChunk, file_);
    buf_.resize(have + got);
    if (got < kReadChunk) eof_ = true;
  }
}

FrameSource::Next FrameSource::next(RecordedFrame& out, std::string& error) {
  if (format_ == FileFormat::kCapture) return capture_.next(out) ? Next::kFrame : Next::kEnd;
  if (file_ == nullptr) return Next::kEnd;
  std::string_view line;
  while (read_line(line)) {
    ++line_no_;
    const auto r = parse_jsonl_line(line, false, core::Venue::kBinance, jsonl_, parse_error_);
    if (r == JsonlResult::kBlank) continue;
    if (r != JsonlResult::kFrame) {
      error = path_ + ":" + std::to_string(line_no_) + ": " + parse_error_;
      return Next::kBadLine;
    }
    out.venue = jsonl_.venue;
    out.connection = jsonl_.connection;
    out.channel = jsonl_.status                              ? FrameChannel::kStatus
                  : jsonl_.channel == venues::Channel::kRest ? FrameChannel::kRest
                                                             : FrameChannel::kWs;
    out.recv_wall_ns = jsonl_.ts_ns;
    out.recv_steady_ns = 0;
    out.payload.swap(jsonl_.frame);
    return Next::kFrame;
  }
  return Next::kEnd;
}

}  // namespace levdyn::capture
