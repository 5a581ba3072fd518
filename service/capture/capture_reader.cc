#include "service/capture/capture_reader.h"

#include <zstd.h>

#include <cstring>

#include "levdyn/v1/capture.pb.h"
#include "service/capture/capture_format.h"

namespace levdyn::capture {

namespace {

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// Reads a varint at data[pos..size); false when it runs past the end or is too long.
bool get_varint(const std::string& data, std::size_t& pos, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < data.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(data[pos++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

CaptureReader::CaptureReader() : frame_(std::make_unique<v1::Frame>()) {}

CaptureReader::~CaptureReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool CaptureReader::sniff(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[8] = {};
  const bool ok = std::fread(magic, 1, sizeof magic, f) == sizeof magic &&
                  std::memcmp(magic, kFileMagic.data(), kFileMagic.size()) == 0;
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
  if (file_ != nullptr) std::fclose(file_);
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
  if (std::fread(magic, 1, sizeof magic, file_) != sizeof magic ||
      std::memcmp(magic, kFileMagic.data(), kFileMagic.size()) != 0) {
    error = "'" + path + "' is not a levdyn capture file (bad magic)";
    return false;
  }
  offset_ = kFileMagic.size();
  done_ = false;
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
  char head[kBlockHeaderBytes];
  block_offset_ = offset_;
  const std::size_t got = std::fread(head, 1, sizeof head, file_);
  if (got == 0 && std::feof(file_)) {
    done_ = true;  // clean end of file
    return false;
  }
  if (got != sizeof head) {
    fail(block_offset_, "truncated block header");
    return false;
  }
  if (std::memcmp(head, kBlockMagic.data(), kBlockMagic.size()) != 0) {
    fail(block_offset_, "corrupt block (bad block magic)");
    return false;
  }
  const std::uint32_t csize = get_u32(head + 4);
  const std::uint32_t rsize = get_u32(head + 8);
  if (csize == 0 || csize > kMaxBlockBytes || rsize > kMaxBlockBytes) {
    fail(block_offset_, "corrupt block (bad sizes)");
    return false;
  }
  compressed_.resize(csize);
  if (std::fread(compressed_.data(), 1, csize, file_) != csize) {
    fail(block_offset_, "truncated block");
    return false;
  }
  offset_ += sizeof head + csize;
  raw_.resize(rsize);
  const std::size_t n = ZSTD_decompress(raw_.data(), raw_.size(), compressed_.data(), csize);
  if (ZSTD_isError(n) || n != rsize) {
    fail(block_offset_, std::string("corrupt block (") +
                            (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch") + ")");
    return false;
  }
  pos_ = 0;
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
  v1::Frame& f = *frame_;
  if (!f.ParseFromArray(data, static_cast<int>(size)) || !core::parse_venue(f.venue(), out.venue) ||
      f.connection() > 0xffff) {
    fail(block_offset_, "corrupt frame record");
    return false;
  }
  out.connection = static_cast<std::uint16_t>(f.connection());
  switch (f.channel()) {
    case v1::CHANNEL_REST:
      out.channel = FrameChannel::kRest;
      break;
    case v1::CHANNEL_STATUS:
      out.channel = FrameChannel::kStatus;
      break;
    default:
      out.channel = FrameChannel::kWs;
      break;
  }
  out.recv_wall_ns = f.recv_wall_ns();
  out.recv_steady_ns = f.recv_steady_ns();
  // A swap, not a copy: the two strings trade buffers from frame to frame, so neither
  // allocates once both have grown to the largest frame.
  out.payload.swap(*f.mutable_payload());
  ++frames_;
  return true;
}

}  // namespace levdyn::capture
