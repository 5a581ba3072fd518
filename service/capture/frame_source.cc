#include "service/capture/frame_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <tuple>

namespace levdyn::capture {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr std::size_t kReadChunk = 1u << 20;

}  // namespace

bool capture_files_in(const std::string& dir, std::vector<std::string>& out, std::string& error) {
  namespace fs = std::filesystem;
  struct File {
    std::string base;  // the name without ".ldcap" and without a same-second "-N"
    unsigned long n = 0;
    std::string path;
  };
  std::vector<File> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code file_ec;  // an entry that cannot be stat-ed is skipped, not a listing error
    if (!ends_with(name, ".ldcap") || !it->is_regular_file(file_ec)) continue;
    File f{name.substr(0, name.size() - 6), 0, it->path().string()};
    const std::size_t dash = f.base.rfind('-');
    if (dash != std::string::npos && dash > 0 && f.base[dash - 1] == 'Z' &&
        dash + 1 < f.base.size() && dash + 10 > f.base.size() &&
        std::all_of(f.base.begin() + static_cast<std::ptrdiff_t>(dash) + 1, f.base.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      f.n = std::stoul(f.base.substr(dash + 1));
      f.base.resize(dash);
    }
    files.push_back(std::move(f));
  }
  if (ec) {
    error = "cannot list '" + dir + "': " + ec.message();
    return false;
  }
  if (files.empty()) {
    error = "'" + dir + "': no capture files (*.ldcap) in this directory";
    return false;
  }
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) {
    return std::tie(a.base, a.n, a.path) < std::tie(b.base, b.n, b.path);
  });
  for (auto& f : files) out.push_back(std::move(f.path));
  return true;
}

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

namespace {
// What a source opened with `keep` read from standard input, for the next source on it.
struct StdinReadAhead {
  bool set = false;
  std::string bytes;
  bool eof = false;
};
StdinReadAhead& stdin_read_ahead() {
  static StdinReadAhead r;
  return r;
}
}  // namespace

FrameSource::~FrameSource() { release(); }

bool FrameSource::open(const std::string& path, FileFormat format, std::string& error, bool keep) {
  release();
  path_ = path;
  started_ = ended_ = false;
  format_ = format == FileFormat::kAuto && path == "-" ? FileFormat::kJsonl : format;
  keep_ = keep && path == "-";
  if (path == "-" && format_ == FileFormat::kJsonl) return true;
  // Checked now, opened at the first next(): a long list of files (a directory of hourly
  // captures) then holds one open file and one block-reading thread at a time.
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  char head[8] = {};
  const bool magic =
      std::fread(head, 1, sizeof head, f) == sizeof head && CaptureReader::is_magic(head);
  if (format_ == FileFormat::kAuto) {  // the capture magic, the extension, a first byte '{'
    if (magic) {
      format_ = FileFormat::kCapture;
    } else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ||
               ends_with(path, ".json")) {
      format_ = FileFormat::kJsonl;
    } else {
      std::rewind(f);
      int c = 0;
      while ((c = std::fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t') {
      }
      if (c == '{') format_ = FileFormat::kJsonl;
    }
  }
  std::fclose(f);
  if (format_ == FileFormat::kAuto) {
    error = "'" + path + "': unrecognised format (neither a levdyn capture nor JSONL " +
            "frames); give --format capture|jsonl";
    return false;
  }
  if (format_ == FileFormat::kCapture && !magic) {
    error = "'" + path + "' is not a levdyn capture file (bad magic)";
    return false;
  }
  return true;
}

bool FrameSource::start(std::string& error) {
  started_ = true;
  if (format_ == FileFormat::kCapture) return capture_.open(path_, error);
  if (path_ == "-") {
    file_ = stdin;
    if (StdinReadAhead& ahead = stdin_read_ahead(); ahead.set) {
      buf_ = std::move(ahead.bytes);
      pos_ = 0;
      eof_ = ahead.eof;
      ahead = StdinReadAhead{};
    }
    return true;
  }
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    error = "cannot open '" + path_ + "': " + std::strerror(errno);
    return false;
  }
  owns_file_ = true;
  return true;
}

void FrameSource::release() noexcept {
  capture_.close();
  if (owns_file_ && file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
  owns_file_ = false;
  buf_.clear();
  buf_.shrink_to_fit();
  pos_ = 0;
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
    if (!keep_) {
      buf_.erase(0, pos_);  // keep the partial line, read more behind it
      pos_ = 0;
    }
    const std::size_t have = buf_.size();
    buf_.resize(have + kReadChunk);
    const std::size_t got = std::fread(buf_.data() + have, 1, kReadChunk, file_);
    buf_.resize(have + got);
    if (got < kReadChunk) eof_ = true;
  }
}

void FrameSource::give_back() {
  if (!keep_) return;
  keep_ = false;
  StdinReadAhead& ahead = stdin_read_ahead();
  ahead.set = true;
  ahead.bytes = std::move(buf_);
  ahead.eof = eof_;
  buf_.clear();
  pos_ = 0;
  file_ = nullptr;  // standard input is not closed
  ended_ = true;
}

FrameSource::Next FrameSource::next(RecordedFrame& out, std::string& error) {
  if (ended_) return Next::kEnd;
  if (!started_ && !start(error)) {  // e.g. removed since open(): reported once, then the end
    ended_ = true;
    return Next::kBadLine;
  }
  const Next r = format_ == FileFormat::kCapture ? (capture_.next(out) ? Next::kFrame : Next::kEnd)
                                                 : next_line(out, error);
  if (r == Next::kEnd) {
    ended_ = true;
    // Its file and block reader go now, not when the whole list is done; standard input read
    // ahead keeps what it read for give_back().
    if (!keep_) release();
  }
  return r;
}

FrameSource::Next FrameSource::next_line(RecordedFrame& out, std::string& error) {
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
    out.channel = jsonl_.channel;
    out.recv_wall_ns = jsonl_.ts_ns;
    out.recv_steady_ns = 0;
    out.payload.swap(jsonl_.frame);
    return Next::kFrame;
  }
  return Next::kEnd;
}

}  // namespace levdyn::capture
