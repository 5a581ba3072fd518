#include "service/http/render_cache.h"

#include <cstring>

#include "service/http/api_json.h"

namespace levdyn::http {

template <typename Metrics, typename Render>
RenderCache::Body RenderCache::lookup(Entries<Metrics>& entries, std::size_t id,
                                      const core::PublishedState& state, const Metrics& m,
                                      int window_index, bool depends_on_as_of, Render render) {
  static_assert(std::is_trivially_copyable_v<Metrics>);
  const std::size_t slot = id * (core::kMaxWindows + 1) + static_cast<std::size_t>(window_index + 1);
  if (slot >= entries.size()) entries.resize(slot + 1);
  auto& e = entries[slot];
  const std::int64_t as_of = depends_on_as_of ? state.as_of_ns() : 0;
  // Bytewise: the seqlock hands out a copy of the engine's bytes, so equal bytes are the same
  // published value (padding included; a difference there only costs a render).
  if (e && e->depends_on_as_of == depends_on_as_of && e->as_of_ns == as_of &&
      // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison): bytewise on purpose, see above
      std::memcmp(&e->metrics, &m, sizeof m) == 0) {
    ++hits_;
    return e->body;
  }
  auto body = std::make_shared<std::string>();
  body->reserve(e && e->body ? e->body->size() + 256 : 4096);
  render(*body);
  ++renders_;
  // A body that read as_of is kept only if as_of did not move while it was rendered.
  if (depends_on_as_of && state.as_of_ns() != as_of) return body;
  if (!e) e = std::make_unique<Entry<Metrics>>();
  std::memcpy(static_cast<void*>(&e->metrics), &m, sizeof m);
  e->as_of_ns = as_of;
  e->depends_on_as_of = depends_on_as_of;
  e->body = body;
  return body;
}

RenderCache::Body RenderCache::asset(const core::PublishedState& state,
                                     const core::AssetMetrics& a, int window_index) {
  return lookup(assets_, a.asset, state, a, window_index, a.cascade_active,
                [&](std::string& out) { append_asset(out, state, a, window_index); });
}

RenderCache::Body RenderCache::instrument(const core::PublishedState& state,
                                          const core::InstrumentMetrics& m, int window_index) {
  return lookup(instruments_, m.instrument, state, m, window_index, false,
                [&](std::string& out) { append_instrument(out, state, m, window_index); });
}

}  // namespace levdyn::http
