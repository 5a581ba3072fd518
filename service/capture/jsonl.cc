#include "service/capture/jsonl.h"

#include <simdjson.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <cstdint>
#include <cstring>
#include <string>

#include "service/venues/event_json.h"

namespace levdyn::capture {

namespace {
/// A status frame's text says the feed came up ("up…" or "connected").
bool status_up(std::string_view frame) noexcept {
  return frame.rfind("up", 0) == 0 || frame == "connected";
}

/// Reads `prefix` at `p`, moving past it.
bool lit(const char*& p, const char* end, std::string_view prefix) noexcept {
  if (static_cast<std::size_t>(end - p) < prefix.size() ||
      std::memcmp(p, prefix.data(), prefix.size()) != 0) {
    return false;
  }
  p += prefix.size();
  return true;
}

/// A JSON integer 0..max in canonical form (no sign, no leading zero, at most 19 digits: a
/// receive time in ns has 19).
bool uint_field(const char*& p, const char* end, std::int64_t max, std::int64_t& out) noexcept {
  const char* const start = p;
  std::uint64_t v = 0;  // 19 digits cannot overflow it
  while (p != end && static_cast<unsigned>(*p - '0') < 10 && p - start < 19) {
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  const auto digits = p - start;
  if (digits == 0 || (digits > 1 && *start == '0') || v > static_cast<std::uint64_t>(max)) {
    return false;
  }
  if (p != end && static_cast<unsigned>(*p - '0') < 10) return false;  // 20 digits or more
  out = static_cast<std::int64_t>(v);
  return true;
}

#if defined(__AVX2__)
/// For each byte mask m of 8 bits, the pshufb control that packs the bytes of an 8-byte group
/// whose bits are clear in m to its front.
struct DropTable {
  alignas(8) std::uint8_t control[256][8];
  constexpr DropTable() : control{} {
    for (int m = 0; m < 256; ++m) {
      int k = 0;
      for (int i = 0; i < 8; ++i) {
        if ((m >> i & 1) == 0) control[m][k++] = static_cast<std::uint8_t>(i);
      }
      while (k < 8) control[m][k++] = 0x80;
    }
  }
};
constexpr DropTable kDrop;

/// Copies the 32 bytes at `in` to `o` without the bytes whose bit is set in `drop`; returns
/// the end of what it wrote. Writes up to 8 bytes past that end (out has room: see resize).
[[gnu::always_inline]] inline char* drop_bytes(const char* in, std::uint32_t drop,
                                               char* o) noexcept {
  for (int g = 0; g < 4; ++g) {
    const unsigned m = (drop >> (8 * g)) & 0xff;
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in + 8 * g));
    const __m128i control = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kDrop.control[m]));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm_shuffle_epi8(bytes, control));
    o += 8 - __builtin_popcount(m);
  }
  return o;
}
#endif

/// The body of a JSON string from `p` (just past its opening quote) to its closing quote,
/// unescaped into `out`; `p` ends past the closing quote. False — the caller then asks simdjson
/// — for \u escapes, bytes outside printable ASCII (simdjson validates UTF-8 and refuses
/// controls) and a string that does not end.
bool string_body(const char*& p, const char* end, std::string& out) {
  out.resize(static_cast<std::size_t>(end - p));  // unescaping only shortens
  char* o = out.data();
  while (true) {
#if defined(__AVX2__)
    while (end - p >= 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const auto quotes = static_cast<std::uint32_t>(
          _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))));
      const auto slashes = static_cast<std::uint32_t>(
          _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))));
      // Signed compare: bytes >= 0x80 are negative, so one compare finds them and controls.
      const auto controls = static_cast<std::uint32_t>(
          _mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), v);  // out has room: see resize
      if ((quotes | slashes | controls) == 0) {
        p += 32;
        o += 32;
        continue;
      }
      // A frame escapes the quotes around each of its keys and strings, so most blocks hold
      // several \" and nothing else special. Such a block is unescaped at once by dropping
      // its backslashes: each backslash is followed by a quote in the block (so none is
      // last, and a \\ pair cannot pass: its second backslash would have to be a quote),
      // every quote follows a backslash, and there is no control or non-ASCII byte. Any
      // other block goes byte by byte from its first special byte.
      if (controls == 0 && (slashes >> 31) == 0 && quotes == slashes << 1) {
        o = drop_bytes(p, slashes, o);
        p += 32;
        continue;
      }
      const int n = __builtin_ctz(quotes | slashes | controls);
      p += n;
      o += n;
      break;
    }
#endif
    while (p != end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20 &&
           static_cast<unsigned char>(*p) < 0x80) {
      *o++ = *p++;
    }
    if (p == end) return false;
    if (*p == '"') {
      ++p;
      out.resize(static_cast<std::size_t>(o - out.data()));
      return true;
    }
    if (*p != '\\' || end - p < 2) return false;  // a control or non-ASCII byte
    char c = p[1];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      default:
        return false;  // \u (and invalid escapes): simdjson
    }
    *o++ = c;
    p += 2;
  }
}

/// The line as append_jsonl_frame writes it — {"ts_ns":N,"venue":"V"[,"channel":"C"]
/// [,"connection":N],"frame":"..."} (C one of kChannelNames) with nothing else, in that order —
/// read without a DOM. False for any other shape, which parse_jsonl_line then reads with simdjson;
/// what this accepts simdjson reads to the same frame (jsonl_test and the jsonl fuzzer check
/// both readers against each other).
bool canonical_line(std::string_view line, JsonlFrame& out) {
  const char* p = line.data();
  const char* const end = p + line.size();
  std::int64_t ts = 0;
  if (!lit(p, end, R"({"ts_ns":)") || !uint_field(p, end, INT64_MAX, ts)) return false;
  if (!lit(p, end, R"(,"venue":")")) return false;
  const char* const name = p;
  while (p != end && *p >= 'a' && *p <= 'z') ++p;
  if (!core::parse_venue(std::string_view(name, static_cast<std::size_t>(p - name)), out.venue) ||
      !lit(p, end, "\"")) {
    return false;
  }
  out.channel = FrameChannel::kWs;
  if (lit(p, end, R"(,"channel":")")) {
    const char* const channel = p;
    while (p != end && *p >= 'a' && *p <= 'z') ++p;
    if (!parse_channel(std::string_view(channel, static_cast<std::size_t>(p - channel)),
                       out.channel) ||
        !lit(p, end, "\"")) {
      return false;
    }
  }
  std::int64_t conn = 0;
  if (lit(p, end, R"(,"connection":)") && !uint_field(p, end, 65535, conn)) return false;
  if (!lit(p, end, R"(,"frame":")") || !string_body(p, end, out.frame) || !lit(p, end, "}") ||
      p != end) {
    return false;
  }
  out.ts_ns = ts;
  out.connection = static_cast<std::uint16_t>(conn);
  if (out.channel == FrameChannel::kStatus) out.up = status_up(out.frame);
  return true;
}

}  // namespace

JsonlResult parse_jsonl_line(std::string_view line, bool has_default, core::Venue default_venue,
                             JsonlFrame& out, std::string& error) {
  std::size_t b = 0, e = line.size();
  while (b < e && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r')) ++b;
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r')) --e;
  line = line.substr(b, e - b);
  if (line.empty()) return JsonlResult::kBlank;
  // Fields reset, the frame's buffer kept from line to line (replay reads millions).
  const auto reset = [&out] {
    std::string buffer = std::move(out.frame);
    out = JsonlFrame{};
    buffer.clear();
    out.frame = std::move(buffer);
  };
  reset();
  if (canonical_line(line, out)) return JsonlResult::kFrame;
  reset();  // whatever canonical_line read before it gave up
  auto bare = [&](const char* why) {
    if (!has_default) {
      error = why;
      return JsonlResult::kError;
    }
    out.venue = default_venue;
    out.frame.assign(line);
    return JsonlResult::kBare;
  };
  // A frame object has "frame" and "venue" keys; anything else is a bare message.
  if (line.find("\"frame\"") == std::string_view::npos) return bare("not a JSONL frame object");
  thread_local simdjson::dom::parser parser;
  // A padded copy in a buffer kept from line to line: parse(data, size) would allocate one per
  // line.
  thread_local std::string padded;
  if (padded.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(padded.data(), line.data(), line.size());
  std::memset(padded.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  if (parser.parse(padded.data(), line.size(), false).get(doc) != simdjson::SUCCESS) {
    return bare("not valid JSON");
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return bare("not a JSON object");
  std::string_view frame, venue;
  if (obj["frame"].get_string().get(frame) != simdjson::SUCCESS ||
      obj["venue"].get_string().get(venue) != simdjson::SUCCESS) {
    return bare("a JSONL frame needs string \"venue\" and \"frame\"");
  }
  if (!core::parse_venue(venue, out.venue)) {
    error = "unknown venue '" + std::string(venue) + "'";
    return JsonlResult::kError;
  }
  std::int64_t ts = 0;
  if (auto v = obj["ts_ns"]; v.error() != simdjson::NO_SUCH_FIELD) {
    if (v.get_int64().get(ts) != simdjson::SUCCESS || ts < 0) {
      error = "\"ts_ns\" must be a non-negative integer";
      return JsonlResult::kError;
    }
  }
  out.ts_ns = ts;
  std::string_view channel = "ws";
  if (auto c = obj["channel"]; c.error() != simdjson::NO_SUCH_FIELD) {
    if (c.get_string().get(channel) != simdjson::SUCCESS) {
      error = "\"channel\" must be a string";
      return JsonlResult::kError;
    }
  }
  if (!parse_channel(channel, out.channel)) {
    error = "\"channel\" must be ws, rest, status, spec or settings";
    return JsonlResult::kError;
  }
  if (out.channel == FrameChannel::kStatus) out.up = status_up(frame);
  std::int64_t conn = 0;
  if (auto c = obj["connection"]; c.error() != simdjson::NO_SUCH_FIELD) {
    if (c.get_int64().get(conn) != simdjson::SUCCESS || conn < 0 || conn > 65535) {
      error = "\"connection\" must be an integer 0..65535";
      return JsonlResult::kError;
    }
  }
  out.connection = static_cast<std::uint16_t>(conn);
  out.frame.assign(frame);
  return JsonlResult::kFrame;
}

void append_jsonl_frame(std::string& out, const JsonlFrame& f) {
  out += "{\"ts_ns\":";
  venues::append_json_int(out, f.ts_ns);
  out += ",\"venue\":";
  venues::append_json_string(out, core::to_string(f.venue));
  if (f.channel != FrameChannel::kWs) {  // the default
    out += ",\"channel\":\"";
    out += to_string(f.channel);
    out += '"';
  }
  if (f.connection != 0) {
    out += ",\"connection\":";
    venues::append_json_int(out, f.connection);
  }
  out += ",\"frame\":";
  venues::append_json_string(out, f.frame);
  out += "}\n";
}

}  // namespace levdyn::capture
