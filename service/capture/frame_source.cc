#include "service/capture/frame_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <new>
#include <system_error>
#include <tuple>
#include <utility>

#include "service/capture/read_ahead.h"

namespace levdyn::capture {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr std::size_t kReadChunk = 1u << 20;

/// The next line of `file`, read in chunks into `buf` from `pos` on (`keep`: nothing read is
/// dropped, for give_back()). False at the end.
bool read_next_line(std::FILE* file, std::string& buf, std::size_t& pos, bool& eof, bool keep,
                    std::string_view& line) {
  for (;;) {
    const std::size_t nl = buf.find('\n', pos);
    if (nl != std::string::npos) {
      line = std::string_view(buf).substr(pos, nl - pos);
      pos = nl + 1;
      return true;
    }
    if (eof) {
      if (pos >= buf.size()) return false;
      line = std::string_view(buf).substr(pos);  // a last line without a newline
      pos = buf.size();
      return true;
    }
    if (!keep) {
      buf.erase(0, pos);  // keep the partial line, read more behind it
      pos = 0;
    }
    const std::size_t have = buf.size();
    buf.resize(have + kReadChunk);
    const std::size_t got = std::fread(buf.data() + have, 1, kReadChunk, file);
    buf.resize(have + got);
    if (got < kReadChunk) eof = true;
  }
}

/// One JSONL line read ahead: a frame (its payload in its batch's bytes), or a rejected line
/// and why (with its line number).
struct JsonlItem {
  bool bad = false;
  RecordedFrame frame;  // all but the payload
  std::size_t offset = 0, size = 0;
  std::string error;
};

/// A batch of lines read ahead, and whether the file ended after them. The payloads lie back to
/// back in `bytes`, as a capture block's frames do: the taker copies each out of memory it
/// reads in order.
struct JsonlBatch {
  std::vector<JsonlItem> items;  // kBatch of them, reused
  std::string bytes;             // reused: keeps its capacity
  std::size_t count = 0;
  bool end = false;
};

}  // namespace

/// A JSONL file's lines read and parsed on a thread of its own (levdyn-jsonread), in batches,
/// ahead of the thread that takes the frames: as a capture's blocks are decompressed ahead of
/// the replay, the line parse (the JSON envelope, the frame's unescaping) is off the thread
/// that decodes and runs the engine. The frames and rejected lines come out in file order.
class JsonlPrefetcher {
 public:
  static constexpr std::size_t kBatch = 512;
  static constexpr std::size_t kAhead = 4;  // batches ready at most

  /// Reads `file` (which the caller closes after destroying this) named `path` in errors,
  /// after `read` (bytes already read from it, standard input's) when given; `eof`: there is
  /// nothing after them.
  JsonlPrefetcher(std::FILE* file, std::string path, std::string read = {}, bool eof = false)
      : file_(file),
        path_(std::move(path)),
        buf_(std::move(read)),
        eof_(eof),
        ahead_(kAhead, "levdyn-jsonread", [this](JsonlBatch& b) { return make(b); }) {}

  /// The next line read ahead (waiting for it if need be), or nullptr at the end of the file;
  /// `bytes` holds its payload at the item's offset. Both are valid until the next call.
  JsonlItem* next(std::string_view& bytes) {
    while (next_ >= current_.count) {
      if (current_.end) return nullptr;
      current_ = ahead_.take(std::move(current_));
      next_ = 0;
    }
    bytes = current_.bytes;
    return &current_.items[next_++];
  }

 private:
  /// The next batch of lines into `b` (its buffers reused); true when the file ends there.
  bool make(JsonlBatch& b) noexcept {
    b.count = 0;
    b.end = false;
    b.bytes.clear();
    try {
      if (b.items.size() < kBatch) b.items.resize(kBatch);
      std::string_view line;
      while (b.count < kBatch) {
        if (!read_next_line(file_, buf_, pos_, eof_, false, line)) {
          b.end = true;
          break;
        }
        ++line_no_;
        const auto r = parse_jsonl_line(line, false, core::Venue::kBinance, parsed_, error_);
        if (r == JsonlResult::kBlank) continue;
        JsonlItem& item = b.items[b.count++];
        item.bad = r != JsonlResult::kFrame;
        if (item.bad) {
          item.error = path_ + ":" + std::to_string(line_no_) + ": " + error_;
          continue;
        }
        item.frame.venue = parsed_.venue;
        item.frame.connection = parsed_.connection;
        item.frame.channel = parsed_.channel;
        item.frame.recv_wall_ns = parsed_.ts_ns;
        item.offset = b.bytes.size();
        item.size = parsed_.frame.size();
        b.bytes.append(parsed_.frame);
      }
    } catch (const std::bad_alloc&) {
      // Out of memory: what was read comes out, then the reader reports it and ends.
      if (b.count < b.items.size()) {
        JsonlItem& item = b.items[b.count++];
        item.bad = true;
        item.error = path_ + ":" + std::to_string(line_no_) + ": out of memory reading ahead";
      }
      b.end = true;
    }
    return b.end;
  }

  std::FILE* const file_;
  const std::string path_;
  // The reading thread's.
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_no_ = 0;
  JsonlFrame parsed_;
  std::string error_;
  // The taker's: the batch its lines come from, and the next one's index.
  JsonlBatch current_;
  std::size_t next_ = 0;
  ReadAhead<JsonlBatch> ahead_;  // last: its thread starts once the members above exist
};

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

FrameSource::FrameSource() = default;
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
    // Read ahead as a file is, after what an earlier source read (keep: that earlier source
    // itself, which reads on this thread and gives its bytes back).
    if (!keep_) start_read_ahead();
    return true;
  }
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    error = "cannot open '" + path_ + "': " + std::strerror(errno);
    return false;
  }
  owns_file_ = true;
  start_read_ahead();
  return true;
}

void FrameSource::start_read_ahead() noexcept {
  try {
    // A copy: should the thread not start, the bytes are still here to read on this one.
    ahead_ = std::make_unique<JsonlPrefetcher>(file_, path_, std::string(buf_, pos_), eof_);
    buf_.clear();
    pos_ = 0;
  } catch (const std::exception&) {
    ahead_.reset();  // no thread to be had: the lines are read on this one, from buf_ on
  }
}

void FrameSource::release() noexcept {
  ahead_.reset();  // its thread reads file_: stopped before the file closes
  capture_.close();
  if (owns_file_ && file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
  owns_file_ = false;
  buf_.clear();
  buf_.shrink_to_fit();
  pos_ = 0;
}

bool FrameSource::read_line(std::string_view& line) {
  return read_next_line(file_, buf_, pos_, eof_, keep_, line);
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
  if (ahead_) {
    std::string_view bytes;
    JsonlItem* const next = ahead_->next(bytes);
    if (next == nullptr) return Next::kEnd;
    JsonlItem& item = *next;
    if (item.bad) {
      error.swap(item.error);
      return Next::kBadLine;
    }
    out.venue = item.frame.venue;
    out.connection = item.frame.connection;
    out.channel = item.frame.channel;
    out.recv_wall_ns = item.frame.recv_wall_ns;
    out.recv_steady_ns = 0;
    out.payload.assign(bytes.substr(item.offset, item.size));
    return Next::kFrame;
  }
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
