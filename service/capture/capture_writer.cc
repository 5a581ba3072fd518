#include "service/capture/capture_writer.h"

#include <zstd.h>

#include "levdyn/v1/capture.pb.h"
#include "service/capture/capture_format.h"

namespace levdyn::capture {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

v1::Channel to_pb(FrameChannel c) {
  switch (c) {
    case FrameChannel::kWs:
      return v1::CHANNEL_WS;
    case FrameChannel::kRest:
      return v1::CHANNEL_REST;
    case FrameChannel::kStatus:
      return v1::CHANNEL_STATUS;
    case FrameChannel::kSpec:
      return v1::CHANNEL_SPEC;
    case FrameChannel::kSettings:
      return v1::CHANNEL_SETTINGS;
  }
  return v1::CHANNEL_WS;
}

}  // namespace

CaptureWriter::CaptureWriter(std::size_t block_bytes, int level)
    : block_bytes_(block_bytes), level_(level) {}

CaptureWriter::~CaptureWriter() { close(); }

void CaptureWriter::FreeCCtx::operator()(ZSTD_CCtx* cctx) const noexcept { ZSTD_freeCCtx(cctx); }

bool CaptureWriter::open(const std::string& path, const CaptureHeaderInfo& header,
                         std::string& error) {
  close();
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    error = "cannot create capture file '" + path + "'";
    return false;
  }
  path_ = path;
  frames_ = 0;
  bytes_written_ = 0;
  raw_.clear();
  if (std::fwrite(kFileMagic.data(), 1, kFileMagic.size(), file_) != kFileMagic.size()) {
    error = "cannot write capture file '" + path + "'";
    close();
    return false;
  }
  bytes_written_ += kFileMagic.size();
  v1::CaptureHeader h;
  h.set_format_version(kFormatVersion);
  h.set_levdyn_version(header.levdyn_version);
  for (const auto& v : header.venues) {
    auto* vi = h.add_venues();
    vi->set_venue(v.name);
    for (const auto& s : v.symbols) vi->add_symbols(s);
  }
  h.set_config_digest(header.config_digest);
  h.set_created_wall_ns(header.created_wall_ns);
  h.SerializeToString(&scratch_);
  append_record(scratch_);
  // The header goes out on its own block at once: every file on disk starts readable.
  if (!flush()) {
    error = "cannot write capture file '" + path + "'";
    close();
    return false;
  }
  return true;
}

void CaptureWriter::append_record(const std::string& message) {
  put_varint(raw_, message.size());
  raw_ += message;
}

bool CaptureWriter::append(const RecordedFrame& f) {
  if (file_ == nullptr) return false;
  v1::Frame pb;
  pb.set_venue(std::string(core::to_string(f.venue)));
  pb.set_connection(f.connection);
  pb.set_channel(to_pb(f.channel));
  pb.set_recv_wall_ns(f.recv_wall_ns);
  pb.set_recv_steady_ns(f.recv_steady_ns);
  pb.set_payload(f.payload);
  pb.SerializeToString(&scratch_);
  append_record(scratch_);
  ++frames_;
  if (raw_.size() >= block_bytes_) return flush();
  return true;
}

bool CaptureWriter::flush() {
  if (file_ == nullptr) return false;
  if (raw_.empty()) return std::fflush(file_) == 0;
  compressed_.resize(kBlockHeaderBytes + ZSTD_compressBound(raw_.size()));
  if (!cctx_) {
    // One context for every block: ZSTD_compress2 keeps its parameters and its tables.
    cctx_.reset(ZSTD_createCCtx());
    if (!cctx_) return false;
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, level_);
    // A checksum per block: corrupt blocks are detected on read.
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
  }
  const std::size_t n =
      ZSTD_compress2(cctx_.get(), compressed_.data() + kBlockHeaderBytes,
                     compressed_.size() - kBlockHeaderBytes, raw_.data(), raw_.size());
  if (ZSTD_isError(n)) return false;
  std::string head;
  head.append(kBlockMagic);
  put_u32(head, static_cast<std::uint32_t>(n));
  put_u32(head, static_cast<std::uint32_t>(raw_.size()));
  std::copy(head.begin(), head.end(), compressed_.begin());
  const std::size_t total = kBlockHeaderBytes + n;
  if (std::fwrite(compressed_.data(), 1, total, file_) != total) return false;
  bytes_written_ += total;
  raw_.clear();
  return std::fflush(file_) == 0;
}

bool CaptureWriter::close() {
  if (file_ == nullptr) return true;
  const bool flushed = flush();
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  return flushed && closed;
}

}  // namespace levdyn::capture
