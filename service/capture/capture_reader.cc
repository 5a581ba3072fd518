#include "service/capture/capture_reader.h"

#include <google/protobuf/stubs/common.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "levdyn/v1/capture.pb.h"
#include "service/capture/capture_format.h"
#include "service/capture/read_ahead.h"

namespace levdyn::capture {

namespace {

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// A base-128 varint of at most `max_bytes` bytes at [p, end), p moved past it (bits beyond 64
// dropped); false when it runs past the end or is longer. Record lengths and the fields of
// frame records (read_frame) are read with it.
bool read_varint(const unsigned char*& p, const unsigned char* end, int max_bytes,
                 std::uint64_t& v) noexcept {
  v = 0;
  for (int i = 0; i < max_bytes && p != end; ++i) {
    const unsigned b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) return true;
  }
  return false;
}

// Reads a varint at data[pos..size); false when it runs past the end or is too long.
bool get_varint(const std::string& data, std::size_t& pos, std::uint64_t& v) {
  const auto* const begin = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* p = begin + pos;
  const bool ok = read_varint(p, begin + data.size(), 10, v);
  pos = static_cast<std::size_t>(p - begin);
  return ok;
}

}  // namespace

/// One block as the reading thread hands it over: its records, or why the file ends there.
struct PrefetchedBlock {
  std::string raw;                // the decompressed records
  std::uint64_t offset = 0;       // file offset of the block
  std::uint64_t next_offset = 0;  // file offset of the block after it
  std::string error;              // damage: the block is unreadable for this reason
  bool end = false;               // the file ended cleanly before this block
};

/// Reads and decompresses a capture file's blocks on a thread of its own, up to kAhead
/// blocks ahead of the reader, in file order. The last block handed over has `end` or
/// `error` set; the thread stops there, or at destruction.
class BlockPrefetcher {
 public:
  /// Blocks ahead of the reader: enough to keep the reader from waiting, little memory
  /// (blocks are 256 KiB as written). The thread refills from 2 to 4, two blocks a wake-up.
  static constexpr std::size_t kAhead = 4;

  /// `file` is positioned at `offset`, the first block; the caller keeps it open until this
  /// object is destroyed.
  BlockPrefetcher(std::FILE* file, std::uint64_t offset)
      : file_(file),
        offset_(offset),
        ahead_(kAhead, "levdyn-capread", [this](PrefetchedBlock& b) { return make(b); }) {}

  /// The next block, waiting for it if need be. `spent` (the previous block) is reused for a
  /// later block, so reading a file allocates only its first few buffers.
  PrefetchedBlock take(PrefetchedBlock spent) { return ahead_.take(std::move(spent)); }

 private:
  /// The next block into `b` (its buffer reused); true when it is the last one.
  bool make(PrefetchedBlock& b) noexcept {
    std::string buffer = std::move(b.raw);
    b = PrefetchedBlock{};
    b.raw = std::move(buffer);
    try {
      read(b, compressed_);
    } catch (const std::bad_alloc&) {
      b.error = "block too large to decompress (out of memory)";
    }
    return b.end || !b.error.empty();
  }

  /// Reads the block at offset_ into `b`.
  void read(PrefetchedBlock& b, std::string& compressed) {
    b.offset = offset_;
    char head[kBlockHeaderBytes];
    const std::size_t got = std::fread(head, 1, sizeof head, file_);
    if (got == 0 && std::feof(file_)) {
      b.end = true;  // clean end of file
      return;
    }
    if (got != sizeof head) {
      b.error = "truncated block header";
      return;
    }
    if (std::memcmp(head, kBlockMagic.data(), kBlockMagic.size()) != 0) {
      b.error = "corrupt block (bad block magic)";
      return;
    }
    const std::uint32_t csize = get_u32(head + 4);
    const std::uint32_t rsize = get_u32(head + 8);
    if (csize == 0 || csize > kMaxBlockBytes || rsize > kMaxBlockBytes) {
      b.error = "corrupt block (bad sizes)";
      return;
    }
    compressed.resize(csize);
    if (std::fread(compressed.data(), 1, csize, file_) != csize) {
      b.error = "truncated block";
      return;
    }
    offset_ += sizeof head + csize;
    b.next_offset = offset_;
    b.raw.resize(rsize);
    // One context for the file: ZSTD_decompress would make and free one per block.
    if (!dctx_) dctx_.reset(ZSTD_createDCtx());
    if (!dctx_) throw std::bad_alloc();  // make() reports it as the block's error
    const std::size_t n =
        ZSTD_decompressDCtx(dctx_.get(), b.raw.data(), b.raw.size(), compressed.data(), csize);
    if (ZSTD_isError(n) || n != rsize) {
      b.error = std::string("corrupt block (") +
                (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch") + ")";
    }
  }

  std::FILE* const file_;
  std::uint64_t offset_;              // of the next block to read; the thread's own
  std::string compressed_;            // the thread's, reused
  struct FreeDCtx {
    void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
  };
  std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx_;  // the thread's, made on its first block
  ReadAhead<PrefetchedBlock> ahead_;  // last: its thread starts once the members above exist
};

CaptureReader::CaptureReader() = default;

CaptureReader::~CaptureReader() { close(); }

void CaptureReader::close() noexcept {
  prefetch_.reset();  // joins the reading thread before its file goes
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
  done_ = true;
  std::string().swap(raw_);  // the last block's buffer
  pos_ = 0;
}

bool CaptureReader::is_magic(const char* first8) noexcept {
  static_assert(kFileMagic.size() <= 8);
  return std::memcmp(first8, kFileMagic.data(), kFileMagic.size()) == 0;
}

bool CaptureReader::sniff(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[8] = {};
  const bool ok = std::fread(magic, 1, sizeof magic, f) == sizeof magic && is_magic(magic);
  std::fclose(f);
  return ok;
}

void CaptureReader::fail(std::uint64_t offset, const std::string& why) {
  done_ = true;
  if (damage_.empty()) {
    damage_ = path_ + ": " + why + " at byte " + std::to_string(offset) + " (" +
              std::to_string(frames_) + " frames before it kept)";
  }
}

bool CaptureReader::open(const std::string& path, std::string& error) {
  close();
  path_ = path;
  damage_.clear();
  frames_ = 0;
  raw_.clear();
  pos_ = 0;
  header_ = CaptureHeaderInfo{};
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  char magic[8] = {};
  if (std::fread(magic, 1, sizeof magic, file_) != sizeof magic || !is_magic(magic)) {
    error = "'" + path + "' is not a levdyn capture file (bad magic)";
    return false;
  }
  offset_ = kFileMagic.size();
  done_ = false;
  prefetch_ = std::make_unique<BlockPrefetcher>(file_, offset_);
  const char* data = nullptr;
  std::size_t size = 0;
  if (!next_record(data, size)) {
    if (damage_.empty()) fail(offset_, "no header");
    return true;
  }
  v1::CaptureHeader h;
  if (!h.ParseFromArray(data, static_cast<int>(size))) {
    fail(block_offset_, "header does not parse");
    return true;
  }
  format_version_ = h.format_version();
  if (format_version_ != kFormatVersion) {
    fail(block_offset_, "unsupported format version " + std::to_string(format_version_));
    return true;
  }
  header_.levdyn_version = h.levdyn_version();
  header_.config_digest = h.config_digest();
  header_.created_wall_ns = h.created_wall_ns();
  for (const auto& v : h.venues()) {
    CaptureHeaderInfo::Venue vi;
    vi.name = v.venue();
    vi.symbols.assign(v.symbols().begin(), v.symbols().end());
    header_.venues.push_back(std::move(vi));
  }
  return true;
}

bool CaptureReader::load_block() {
  if (!prefetch_) {
    done_ = true;
    return false;
  }
  PrefetchedBlock spent;
  spent.raw = std::move(raw_);
  PrefetchedBlock b = prefetch_->take(std::move(spent));
  raw_.clear();
  pos_ = 0;
  block_offset_ = b.offset;
  if (b.end) {
    done_ = true;  // clean end of file
    return false;
  }
  if (!b.error.empty()) {
    fail(block_offset_, b.error);
    return false;
  }
  offset_ = b.next_offset;
  raw_ = std::move(b.raw);
  return true;
}

bool CaptureReader::next_record(const char*& data, std::size_t& size) {
  while (!done_) {
    if (pos_ < raw_.size()) {
      std::uint64_t len = 0;
      if (!get_varint(raw_, pos_, len) || len > raw_.size() - pos_) {
        fail(block_offset_, "corrupt record");
        return false;
      }
      data = raw_.data() + pos_;
      size = static_cast<std::size_t>(len);
      pos_ += size;
      return true;
    }
    if (!load_block()) return false;
  }
  return false;
}

bool CaptureReader::next(RecordedFrame& out) {
  const char* data = nullptr;
  std::size_t size = 0;
  if (!next_record(data, size)) return false;
  if (!read_frame(data, size, out)) {
    fail(block_offset_, "corrupt frame record");
    return false;
  }
  ++frames_;
  return true;
}

namespace {

// The protobuf wire format as the generated parsers of protobuf 3.21 read it (parse_context.h):
// varints of up to 10 bytes (truncated to the field's width), tags and lengths of up to 5,
// unknown fields skipped by wire type, groups nested up to 100 deep.
class WireReader {
 public:
  WireReader(const char* data, std::size_t size)
      : p_(reinterpret_cast<const unsigned char*>(data)), end_(p_ + size) {}

  [[nodiscard]] bool done() const noexcept { return p_ == end_; }

  bool varint(std::uint64_t& v) noexcept { return read_varint(p_, end_, 10, v); }

  bool read_tag(std::uint32_t& t) noexcept {
    std::uint64_t v = 0;
    if (!read_varint(p_, end_, 5, v)) return false;
    t = static_cast<std::uint32_t>(v);  // a 5th byte's bits beyond 32 are dropped
    return true;
  }

  bool bytes(std::string_view& v) noexcept {
    std::uint64_t n = 0;
    if (!read_varint(p_, end_, 5, n) || n >= (std::uint64_t{1} << 31)) return false;  // 2 GiB
    if (n > static_cast<std::size_t>(end_ - p_)) return false;
    v = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }

  // An unknown field (or a known one of another wire type) after its tag.
  bool skip(std::uint32_t tag, int depth = 0) noexcept {
    if ((tag >> 3) == 0) return false;
    std::uint64_t v = 0;
    std::string_view s;
    switch (tag & 7) {
      case 0:
        return varint(v);
      case 1:
        return advance(8);
      case 2:
        return bytes(s);
      case 3: {  // a group: fields up to the end-group tag of the same number
        if (depth >= 100) return false;
        for (;;) {
          std::uint32_t inner = 0;
          if (done() || !read_tag(inner)) return false;
          if (inner == (tag & ~7u) + 4) return true;
          if (!skip(inner, depth + 1)) return false;
        }
      }
      case 5:
        return advance(4);
      default:  // an end-group tag out of place, or wire types 6 and 7
        return false;
    }
  }

 private:
  bool advance(std::size_t n) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  const unsigned char* p_;
  const unsigned char* const end_;
};

}  // namespace

// A v1::Frame record read field by field as the generated parser reads it (the last
// occurrence of a field wins; a field of another wire type, or an unknown one, is skipped),
// straight into `out`: the payload is copied once, from the block into out.payload, whose
// capacity is reused from frame to frame. The generated Frame::ParseFromArray, its payload
// string and the swap were a tenth of a capture replay's main thread.
bool CaptureReader::read_frame(const char* data, std::size_t size, RecordedFrame& out) {
  WireReader in(data, size);
  std::string_view venue;
  std::uint64_t connection = 0;
  std::uint64_t channel = 0;
  std::uint64_t wall = 0;
  std::uint64_t steady = 0;
  std::string_view payload;
  while (!in.done()) {
    std::uint32_t tag = 0;
    if (!in.read_tag(tag)) return false;
    bool ok = true;
    switch (tag) {  // field number << 3 | wire type
      case (v1::Frame::kVenueFieldNumber << 3) | 2:
        // A proto3 string: invalid UTF-8 in any occurrence fails the parse.
        ok = in.bytes(venue) && google::protobuf::internal::IsStructurallyValidUTF8(
                                    venue.data(), static_cast<int>(venue.size()));
        break;
      case v1::Frame::kConnectionFieldNumber << 3:
        ok = in.varint(connection);
        break;
      case v1::Frame::kChannelFieldNumber << 3:
        ok = in.varint(channel);
        break;
      case v1::Frame::kRecvWallNsFieldNumber << 3:
        ok = in.varint(wall);
        break;
      case v1::Frame::kRecvSteadyNsFieldNumber << 3:
        ok = in.varint(steady);
        break;
      case (v1::Frame::kPayloadFieldNumber << 3) | 2:
        ok = in.bytes(payload);
        break;
      default:
        ok = in.skip(tag);
        break;
    }
    if (!ok) return false;
  }
  if (!core::parse_venue(venue, out.venue) || static_cast<std::uint32_t>(connection) > 0xffff) {
    return false;
  }
  out.connection = static_cast<std::uint16_t>(connection);
  switch (static_cast<std::int32_t>(channel)) {
    case v1::CHANNEL_REST:
      out.channel = FrameChannel::kRest;
      break;
    case v1::CHANNEL_STATUS:
      out.channel = FrameChannel::kStatus;
      break;
    case v1::CHANNEL_SPEC:
      out.channel = FrameChannel::kSpec;
      break;
    case v1::CHANNEL_SETTINGS:
      out.channel = FrameChannel::kSettings;
      break;
    default:
      out.channel = FrameChannel::kWs;
      break;
  }
  out.recv_wall_ns = static_cast<std::int64_t>(wall);
  out.recv_steady_ns = static_cast<std::int64_t>(steady);
  out.payload.assign(payload);
  return true;
}

}  // namespace levdyn::capture
