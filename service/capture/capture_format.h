#pragma once

// The on-disk layout of capture files (docs/formats.md):
//
//   file   := magic block*
//   magic  := "LDYNCAP1" (8 bytes)
//   block  := "LBLK" u32le(compressed size) u32le(raw size) zstd-frame(compressed size bytes)
//   raw    := record*            (the decompressed block)
//   record := varint(len) protobuf(len bytes)
//
// The first record of the file is a levdyn.v1.CaptureHeader, every other one a levdyn.v1.Frame.
// Each block is an independent zstd frame with a content checksum, so a reader detects a
// truncated or corrupt block and keeps every block before it.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace levdyn::capture {

inline constexpr std::string_view kFileMagic = "LDYNCAP1";
inline constexpr std::string_view kBlockMagic = "LBLK";
inline constexpr std::size_t kBlockHeaderBytes = 12;
inline constexpr std::uint32_t kFormatVersion = 1;
/// A block larger than this (raw or compressed) is treated as corrupt.
inline constexpr std::uint32_t kMaxBlockBytes = 64u << 20;

}  // namespace levdyn::capture
