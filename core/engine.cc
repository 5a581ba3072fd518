#include "core/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <span>

namespace levdyn::core {

namespace {

constexpr double kNsPerSecond = 1e9;
constexpr std::int32_t kEightHours = 8 * 3600;

double safe_div(double a, double b) noexcept {
  if (!present(a) || !present(b) || b == 0.0) return kAbsent;
  return a / b;
}

Regime classify(double price_change, double base_change, double threshold) noexcept {
  if (!present(price_change) || !present(base_change)) return Regime::kUnknown;
  if (std::fabs(price_change) < threshold || std::fabs(base_change) < threshold) {
    return Regime::kFlat;
  }
  if (price_change > 0) return base_change > 0 ? Regime::kNewLongs : Regime::kShortCovering;
  return base_change > 0 ? Regime::kNewShorts : Regime::kLongLiquidation;
}

/// The fields of an empty window that are not zero, set in place on a zeroed `w`. Built in
/// place, not copied from a returned temporary: that copy read back a memset's stores, which
/// cannot be forwarded, and was a third of compute_instrument at 2000 instruments.
void init_window(WindowMetrics& w, std::int64_t window_ns) noexcept {
  w.window_ns = window_ns;
  w.oi_change_usd = w.oi_change_pct = w.oi_velocity_usd_s = w.oi_acceleration_usd_s2 = kAbsent;
  w.liq_imbalance = w.liq_to_oi = w.turnover = w.forced_share = w.price_change_pct = kAbsent;
  w.regime = Regime::kUnknown;
}

WindowMetrics empty_window(std::int64_t window_ns) noexcept {
  WindowMetrics w;
  std::memset(static_cast<void*>(&w), 0, sizeof w);
  init_window(w, window_ns);
  return w;
}

}  // namespace

// An instrument's state and its windows are one block: the windows follow the state, at a
// fixed offset from it. So an event's window lines are addressed from the state's address alone,
// and their loads go out with the state's, not after it (at thousands of instruments each is a
// cache miss; a pointer to the windows made two in a row).
struct alignas(64) Engine::InstrumentState {
  /// Builds the state and one window per entry of `windows_ns` in `memory`; released by
  /// destroy(). A window that cannot allocate throws, and what was built is released.
  static InstrumentState* create(std::pmr::polymorphic_allocator<> memory, ContractKind kind,
                                 const std::vector<std::int64_t>& windows_ns, int buckets) {
    void* block = memory.allocate_bytes(bytes(windows_ns.size()), alignof(InstrumentState));
    auto* st = new (block) InstrumentState();
    st->kind = kind;
    try {
      for (const std::int64_t w : windows_ns) {
        new (st->window_at(st->window_count)) RollingWindow(w, buckets, memory.resource());
        ++st->window_count;
      }
    } catch (...) {
      release(memory, st, windows_ns.size());
      throw;
    }
    return st;
  }
  static void destroy(std::pmr::polymorphic_allocator<> memory, InstrumentState* st) noexcept {
    release(memory, st, st->window_count);  // every window was built (see create)
  }
  static std::size_t bytes(std::size_t windows) noexcept {
    return sizeof(InstrumentState) + windows * sizeof(RollingWindow);
  }

  [[nodiscard]] std::span<RollingWindow> windows() noexcept { return {window_at(0), window_count}; }
  std::size_t window_count = 0;
  double oi_contracts = kAbsent;
  double oi_base = kAbsent;        // as reported (linear)
  double oi_usd_direct = kAbsent;  // as reported in USD (inverse, or venues that give it)
  double mark = kAbsent;
  double index = kAbsent;
  double funding_rate = kAbsent;
  std::int32_t funding_interval_s = 0;
  std::int64_t updated_at_ns = 0;
  std::int64_t oi_updated_at_ns = 0;
  std::uint64_t liq_long_total = 0, liq_short_total = 0, trades_total = 0, events_total = 0;
  double liq_long_usd_total = 0, liq_short_usd_total = 0, volume_usd_total = 0;
  bool has_data = false;
  bool dirty = false;
  ContractKind kind = ContractKind::kLinear;

  /// B(t): open interest in base units.
  [[nodiscard]] double base() const noexcept {
    if (present(oi_base) && kind == ContractKind::kLinear) return oi_base;
    if (present(oi_usd_direct) && present(mark) && mark > 0) return oi_usd_direct / mark;
    return oi_base;
  }
  /// oi_usd(t) = B(t)·P(t); inverse: contracts · contract value (the USD the venue reports).
  [[nodiscard]] double oi_usd() const noexcept {
    if (kind != ContractKind::kLinear && present(oi_usd_direct)) return oi_usd_direct;
    if (present(oi_base) && present(mark)) return oi_base * mark;
    return oi_usd_direct;
  }

 private:
  InstrumentState() = default;
  /// Destroys the windows built and the state, and frees a block made for `windows`.
  static void release(std::pmr::polymorphic_allocator<> memory, InstrumentState* st,
                      std::size_t windows) noexcept {
    for (RollingWindow& w : st->windows()) w.~RollingWindow();
    st->~InstrumentState();
    memory.deallocate_bytes(st, bytes(windows), alignof(InstrumentState));
  }
  [[nodiscard]] RollingWindow* window_at(std::size_t i) noexcept {
    return reinterpret_cast<RollingWindow*>(this + 1) + i;
  }
};

struct Engine::AssetState {
  std::uint64_t liq_long_total = 0, liq_short_total = 0;
  double liq_long_usd_total = 0, liq_short_usd_total = 0;
  std::vector<InstrumentId> instruments;  // the asset's instruments that have state

  // Self-excitation. `times` is a ring of liquidation arrival times (event time, in arrival
  // order), grown on demand up to EngineConfig::hawkes_max_events, then overwritten oldest
  // first; `times_next` is the next slot to overwrite once full.
  HawkesIntensity intensity;
  std::vector<std::int64_t> times;
  std::size_t times_next = 0;
  std::uint64_t arrivals = 0;
  std::uint64_t arrivals_at_job = 0;
  std::int64_t last_job_ns = 0;
  HawkesParams params;  // NaN until a fit had enough events
  // The fit window's times in time order, kept from job to job (collect_fit_jobs): arrivals
  // since the previous job are sorted and merged in, times older than the window dropped from
  // the front, so a job costs O(n) rather than a sort of the whole window. `window_arrivals`
  // is the arrival count merged so far.
  std::vector<std::int64_t> window;
  std::uint64_t window_arrivals = 0;

  std::unique_ptr<CascadeDetector> cascade;  // created on the asset's first liquidation
  std::uint64_t cascades_total = 0;

  void push_time(std::int64_t t, std::size_t cap) {
    if (times.size() < cap) {
      times.push_back(t);
    } else if (cap > 0) {
      times[times_next] = t;
      times_next = (times_next + 1) % cap;
    }
    ++arrivals;
  }
  /// The i-th oldest time held (0 ≤ i < times.size()).
  [[nodiscard]] std::int64_t time_at(std::size_t i) const noexcept {
    return times[(times_next + i) % times.size()];
  }
};

/// Sums instrument metrics into an asset's (DESIGN §5 "Per asset").
struct Engine::AssetAccum {
  AssetMetrics a;
  double oi_sum = 0, f_weighted = 0, f_weight = 0, f_sum = 0;
  int f_n = 0;
  bool any_oi = false;
  double oi_prev_sum[kMaxWindows] = {}, d_usd[kMaxWindows] = {}, pc_weighted[kMaxWindows] = {},
         pc_weight[kMaxWindows] = {}, acc_sum[kMaxWindows] = {};
  bool have_change[kMaxWindows] = {}, have_acc[kMaxWindows] = {};

  void reset(AssetId id, std::int64_t now_ns, const std::vector<std::int64_t>& windows) {
    *this = AssetAccum{};
    std::memset(static_cast<void*>(&a), 0, sizeof a);
    a.asset = id;
    a.as_of_ns = now_ns;
    a.window_count = static_cast<std::uint8_t>(windows.size());
    a.intensity = a.branching_ratio = a.hawkes_mu = a.hawkes_alpha = a.hawkes_beta = kAbsent;
    a.funding_oi_weighted = a.funding_mean = kAbsent;
    for (int i = 0; i < a.window_count; ++i) a.windows[i] = empty_window(windows[i]);
  }

  void add(const InstrumentInfo& info, const InstrumentMetrics& m) {
    a.has_data = true;
    const auto venue_bit = static_cast<std::uint8_t>(1u << static_cast<int>(info.venue));
    if (present(m.oi_usd)) {
      a.venues |= venue_bit;
      oi_sum += m.oi_usd;
      any_oi = true;
      if (present(m.funding_rate_8h)) {
        f_weighted += m.funding_rate_8h * m.oi_usd;
        f_weight += m.oi_usd;
      }
    } else if (info.tracked && present(m.mark)) {
      a.venues |= venue_bit;
    }
    if (present(m.funding_rate_8h)) {
      f_sum += m.funding_rate_8h;
      ++f_n;
    }
    for (int k = 0; k < a.window_count; ++k) {
      const WindowMetrics& w = m.windows[k];
      WindowMetrics& aw = a.windows[k];
      aw.liq_long_usd += w.liq_long_usd;
      aw.liq_short_usd += w.liq_short_usd;
      aw.liq_long_count += w.liq_long_count;
      aw.liq_short_count += w.liq_short_count;
      aw.volume_usd += w.volume_usd;
      if (info.tracked) aw.partial = aw.partial || w.partial;
      if (present(w.oi_change_usd) && present(w.oi_change_pct) && present(m.oi_usd)) {
        have_change[k] = true;
        d_usd[k] += w.oi_change_usd;
        // oi_usd(t−W) valued at today's price, consistent with oi_change_usd.
        oi_prev_sum[k] += m.oi_usd - w.oi_change_usd;
        if (present(w.price_change_pct)) {
          pc_weighted[k] += w.price_change_pct * m.oi_usd;
          pc_weight[k] += m.oi_usd;
        }
        if (present(w.oi_acceleration_usd_s2)) {
          have_acc[k] = true;
          acc_sum[k] += w.oi_acceleration_usd_s2;
        }
      }
    }
  }

  void finish(const std::vector<std::int64_t>& windows, double regime_threshold) {
    a.oi_usd = any_oi ? oi_sum : kAbsent;
    a.funding_oi_weighted = f_weight > 0 ? f_weighted / f_weight : kAbsent;
    a.funding_mean = f_n > 0 ? f_sum / f_n : kAbsent;
    for (int k = 0; k < a.window_count; ++k) {
      WindowMetrics& aw = a.windows[k];
      const double secs = static_cast<double>(windows[k]) / kNsPerSecond;
      const double liq = aw.liq_long_usd + aw.liq_short_usd;
      aw.liq_rate_usd_s = liq / secs;
      if (liq > 0) aw.liq_imbalance = (aw.liq_long_usd - aw.liq_short_usd) / liq;
      aw.turnover = safe_div(aw.volume_usd, a.oi_usd);
      aw.forced_share = safe_div(liq, aw.volume_usd);
      if (have_change[k]) {
        aw.oi_change_usd = d_usd[k];
        aw.oi_change_pct = safe_div(d_usd[k], oi_prev_sum[k]);
        aw.oi_velocity_usd_s = d_usd[k] / secs;
        aw.liq_to_oi = safe_div(liq, oi_prev_sum[k]);
        aw.price_change_pct = pc_weight[k] > 0 ? pc_weighted[k] / pc_weight[k] : kAbsent;
        aw.regime = classify(aw.price_change_pct, aw.oi_change_pct, regime_threshold);
        if (have_acc[k]) aw.oi_acceleration_usd_s2 = acc_sum[k];
      } else {
        aw.partial = true;
      }
    }
  }
};

Engine::Engine(EngineConfig config, const InstrumentTable& table, PublishedState& out,
               std::pmr::memory_resource* memory)
    : config_(std::move(config)), table_(table), out_(out), memory_(memory) {
  if (config_.windows_ns.size() > static_cast<std::size_t>(kMaxWindows)) {
    config_.windows_ns.resize(kMaxWindows);
  }
  if (config_.hawkes_decay_ns <= 0) config_.hawkes_decay_ns = 30'000'000'000;
  if (config_.hawkes_window_ns <= 0) config_.hawkes_window_ns = 3'600'000'000'000;
  instruments_.resize(InstrumentTable::kCapacity);
  assets_.resize(InstrumentTable::kMaxAssets);
  dirty_.reserve(1024);
}

Engine::~Engine() {
  for (InstrumentState* st : instruments_) {
    if (st != nullptr) InstrumentState::destroy(memory_, st);
  }
}

Engine::InstrumentState* Engine::state_for(InstrumentId id) {
  if (id >= table_.size()) return nullptr;
  auto& slot = instruments_[id];
  if (slot == nullptr) {
    static_assert(sizeof(InstrumentState) % alignof(RollingWindow) == 0,
                  "the windows that follow the state are aligned");
    slot = InstrumentState::create(memory_, table_.get(id).kind, config_.windows_ns,
                                   config_.buckets_per_window);
    const Venue v = table_.get(id).venue;
    if (venue_down_[static_cast<int>(v)]) {
      for (auto& w : slot->windows()) w.set_down(now_ns_, true);
    }
    if (AssetState* a = asset_state_for(table_.get(id).asset)) a->instruments.push_back(id);
  }
  return slot;
}

Engine::AssetState* Engine::asset_state_for(AssetId id) {
  if (id >= assets_.size()) return nullptr;
  auto& slot = assets_[id];
  if (!slot) {
    slot = std::make_unique<AssetState>();
    slot->intensity = HawkesIntensity(kNsPerSecond / static_cast<double>(config_.hawkes_decay_ns));
  }
  return slot.get();
}

void Engine::mark_dirty(InstrumentId id, InstrumentState& st) {
  if (!st.dirty) {
    st.dirty = true;
    dirty_.push_back(id);
  }
}

void Engine::on_feed_status(const NormalizedEvent& e) {
  const int v = static_cast<int>(e.venue);
  if (v < 0 || v >= kVenueCount) return;
  const bool down = !e.status.up;
  venue_down_[v] = down;
  const std::int64_t t = e.recv_wall_ns;
  const std::size_t n = std::min(table_.size(), instruments_.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto& st = instruments_[i];
    if (!st || table_.get(static_cast<InstrumentId>(i)).venue != e.venue) continue;
    for (auto& w : st->windows()) w.set_down(t, down);
    mark_dirty(static_cast<InstrumentId>(i), *st);
  }
}

void Engine::apply(const NormalizedEvent& e) {
  ++events_applied_;
  now_ns_ = std::max(now_ns_, e.recv_wall_ns);
  if (first_now_ns_ == 0) first_now_ns_ = now_ns_;
  if (e.type == EventType::kFeedStatus) {
    on_feed_status(e);
    return;
  }
  InstrumentState* st = state_for(e.instrument);
  if (st == nullptr) return;
  const std::int64_t t = e.event_time_ns();
  ++st->events_total;
  st->updated_at_ns = std::max(st->updated_at_ns, t);
  bool state_changed = false;
  switch (e.type) {
    case EventType::kLiquidation: {
      const double usd = e.liq.notional_usd;
      const bool is_long = e.liq.position == Position::kLong;
      (is_long ? st->liq_long_total : st->liq_short_total) += 1;
      if (present(usd)) (is_long ? st->liq_long_usd_total : st->liq_short_usd_total) += usd;
      for (auto& w : st->windows()) w.add_liquidation(t, e.liq.position, usd);
      if (AssetState* a = asset_state_for(table_.get(e.instrument).asset)) {
        (is_long ? a->liq_long_total : a->liq_short_total) += 1;
        if (present(usd)) (is_long ? a->liq_long_usd_total : a->liq_short_usd_total) += usd;
      }
      on_liquidation(table_.get(e.instrument).asset, e, t);
      out_.publish_liquidation(e);
      break;
    }
    case EventType::kTrade:
      ++st->trades_total;
      if (present(e.trade.notional_usd)) st->volume_usd_total += e.trade.notional_usd;
      for (auto& w : st->windows()) w.add_volume(t, e.trade.notional_usd);
      break;
    case EventType::kOpenInterest:
      if (present(e.oi.contracts)) st->oi_contracts = e.oi.contracts;
      if (present(e.oi.base)) st->oi_base = e.oi.base;
      if (present(e.oi.notional_usd)) st->oi_usd_direct = e.oi.notional_usd;
      st->oi_updated_at_ns = std::max(st->oi_updated_at_ns, e.recv_wall_ns);
      state_changed = true;
      break;
    case EventType::kMarkPrice:
      if (present(e.mark.mark) && e.mark.mark > 0) st->mark = e.mark.mark;
      if (present(e.mark.index)) st->index = e.mark.index;
      if (present(e.mark.funding_rate)) st->funding_rate = e.mark.funding_rate;
      if (e.mark.funding_interval_s > 0) st->funding_interval_s = e.mark.funding_interval_s;
      state_changed = true;
      break;
    case EventType::kFeedStatus:
      break;
  }
  if (state_changed) {
    const double b = st->base();
    for (auto& w : st->windows()) w.set_state(t, b, st->mark);
  }
  st->has_data = true;
  mark_dirty(e.instrument, *st);
}

bool Engine::compute_instrument(InstrumentId id, std::int64_t now_ns, InstrumentMetrics& m) {
  if (id >= instruments_.size() || !instruments_[id]) return false;
  InstrumentState& st = *instruments_[id];
  std::memset(static_cast<void*>(&m), 0, sizeof m);
  m.instrument = id;
  m.has_data = st.has_data;
  m.as_of_ns = now_ns;
  m.updated_at_ns = st.updated_at_ns;
  m.oi_updated_at_ns = st.oi_updated_at_ns;
  m.oi_contracts = st.oi_contracts;
  m.oi_base = st.base();
  m.oi_usd = st.oi_usd();
  m.mark = st.mark;
  m.index = st.index;
  m.funding_rate = st.funding_rate;
  m.funding_interval_s = st.funding_interval_s;
  m.funding_rate_8h =
      present(st.funding_rate)
          ? st.funding_rate * kEightHours /
                (st.funding_interval_s > 0 ? st.funding_interval_s : kEightHours)
          : kAbsent;
  m.liq_long_total = st.liq_long_total;
  m.liq_short_total = st.liq_short_total;
  m.liq_long_usd_total = st.liq_long_usd_total;
  m.liq_short_usd_total = st.liq_short_usd_total;
  m.trades_total = st.trades_total;
  m.volume_usd_total = st.volume_usd_total;
  m.events_total = st.events_total;
  m.window_count = static_cast<std::uint8_t>(st.window_count);

  const double b_now = st.base();
  const double p_now = st.mark;
  const double oi_usd_now = st.oi_usd();
  for (std::size_t i = 0; i < st.window_count; ++i) {
    RollingWindow& win = st.windows()[i];
    win.advance(now_ns);
    WindowMetrics& w = m.windows[i];
    init_window(w, win.window_ns());  // m was zeroed above
    const double secs = static_cast<double>(win.window_ns()) / kNsPerSecond;
    const FlowSums& s = win.sums();
    w.liq_long_usd = s.liq_long_usd;
    w.liq_short_usd = s.liq_short_usd;
    w.liq_long_count = s.liq_long_n;
    w.liq_short_count = s.liq_short_n;
    w.volume_usd = s.volume_usd;
    const double liq = s.liq_long_usd + s.liq_short_usd;
    w.liq_rate_usd_s = liq / secs;
    if (liq > 0) w.liq_imbalance = (s.liq_long_usd - s.liq_short_usd) / liq;
    w.turnover = safe_div(s.volume_usd, oi_usd_now);
    w.forced_share = safe_div(liq, s.volume_usd);
    w.partial = win.partial();

    double b1 = 0, p1 = 0, b2 = 0, p2 = 0;
    if (win.state_at_lag(1, b1, p1) && present(b_now) && present(p_now)) {
      const double db = b_now - b1;
      w.oi_change_usd = db * p_now;
      w.oi_change_pct = safe_div(db, b1);
      w.oi_velocity_usd_s = w.oi_change_usd / secs;
      w.price_change_pct = safe_div(p_now - p1, p1);
      w.liq_to_oi = safe_div(liq, b1 * p1);
      w.regime = classify(w.price_change_pct, w.oi_change_pct, config_.regime_threshold);
      if (win.state_at_lag(2, b2, p2)) {
        const double v_prev = (b1 - b2) * p_now / secs;
        w.oi_acceleration_usd_s2 = (w.oi_velocity_usd_s - v_prev) / secs;
      }
    } else {
      w.partial = true;
    }
  }
  return true;
}

void Engine::finish_asset(AssetAccum& acc) {
  acc.finish(config_.windows_ns, config_.regime_threshold);
  AssetMetrics& a = acc.a;
  if (a.asset < assets_.size() && assets_[a.asset]) {
    const AssetState& s = *assets_[a.asset];
    a.liq_long_total = s.liq_long_total;
    a.liq_short_total = s.liq_short_total;
    a.liq_long_usd_total = s.liq_long_usd_total;
    a.liq_short_usd_total = s.liq_short_usd_total;
    // λ(t) once the asset has seen a liquidation (before: unknown, not zero); η and the kernel
    // only from a fit with enough events.
    a.intensity = s.arrivals > 0 ? s.intensity.intensity(a.as_of_ns) : kAbsent;
    a.hawkes_mu = s.params.mu;
    a.hawkes_alpha = s.params.alpha;
    a.hawkes_beta = s.params.beta;
    a.branching_ratio = s.params.eta();
    a.cascades_total = s.cascades_total;
    a.cascade_active = s.cascade && s.cascade->active();
    if (a.cascade_active) a.cascade = s.cascade->record();
  }
}

bool Engine::compute_asset(AssetId id, std::int64_t now_ns, AssetMetrics& out) {
  auto acc = std::make_unique<AssetAccum>();
  acc->reset(id, now_ns, config_.windows_ns);
  const std::size_t n = std::min(table_.size(), instruments_.size());
  InstrumentMetrics m;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& info = table_.get(static_cast<InstrumentId>(i));
    if (!instruments_[i] || info.asset != id) continue;
    if (compute_instrument(static_cast<InstrumentId>(i), now_ns, m)) acc->add(info, m);
  }
  finish_asset(*acc);
  out = acc->a;
  return out.has_data;
}

void Engine::publish(std::int64_t now_ns, bool all) {
  now_ns_ = std::max(now_ns_, now_ns);
  if (first_now_ns_ == 0) first_now_ns_ = now_ns_;
  if (all) on_tick(now_ns_);
  InstrumentMetrics m;
  if (!all) {
    for (const InstrumentId id : dirty_) {
      instruments_[id]->dirty = false;
      if (compute_instrument(id, now_ns_, m)) out_.publish_instrument(m);
    }
    dirty_.clear();
    out_.end_round(now_ns_);
    return;
  }
  const std::size_t na = std::min(table_.asset_count(), assets_.size());
  if (accum_.size() < na) accum_.resize(na);
  for (std::size_t i = 0; i < na; ++i) {
    accum_[i].reset(static_cast<AssetId>(i), now_ns_, config_.windows_ns);
  }
  const std::size_t n = std::min(table_.size(), instruments_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!instruments_[i]) continue;
    instruments_[i]->dirty = false;
    if (!compute_instrument(static_cast<InstrumentId>(i), now_ns_, m)) continue;
    out_.publish_instrument(m);
    const auto& info = table_.get(static_cast<InstrumentId>(i));
    if (info.asset < na) accum_[info.asset].add(info, m);
  }
  dirty_.clear();
  for (std::size_t i = 0; i < na; ++i) {
    finish_asset(accum_[i]);
    if (accum_[i].a.has_data) out_.publish_asset(accum_[i].a);
  }
  out_.end_round(now_ns_);
}

// ---- liquidation risk: Hawkes intensity and cascades ------------------------------------------

void Engine::on_liquidation(AssetId asset, const NormalizedEvent& e, std::int64_t t) {
  AssetState* a = asset_state_for(asset);
  if (a == nullptr) return;
  a->intensity.on_event(t);
  a->push_time(t, config_.hawkes_max_events);
  if (!a->cascade) {
    CascadeConfig cc;
    cc.trigger_ratio = config_.cascade_trigger_ratio;
    cc.exit_ratio = config_.cascade_exit_ratio;
    cc.floor_usd_s = config_.cascade_floor_usd_s;
    cc.quiet_ns = config_.cascade_quiet_ns;
    a->cascade = std::make_unique<CascadeDetector>(cc, asset, first_now_ns_);
    a->cascade->note_eta(a->params.eta());
  }
  handle_cascade(asset, *a, a->cascade->on_liquidation(t, e.liq.notional_usd, e.liq.position, e.venue));
}

void Engine::asset_market_state(AssetId asset, double& oi_base, double& price) const {
  oi_base = price = kAbsent;
  if (asset >= assets_.size() || !assets_[asset]) return;
  double oi = 0, pw = 0, w = 0, psum = 0;
  int pn = 0;
  bool any_oi = false;
  for (const InstrumentId id : assets_[asset]->instruments) {
    const InstrumentState& st = *instruments_[id];
    const double b = st.base();
    if (present(b)) {
      oi += b;
      any_oi = true;
    }
    if (present(st.mark)) {
      psum += st.mark;
      ++pn;
      const double usd = st.oi_usd();
      if (present(usd) && usd > 0) {
        pw += st.mark * usd;
        w += usd;
      }
    }
  }
  if (any_oi) oi_base = oi;
  if (w > 0) {
    price = pw / w;
  } else if (pn > 0) {
    price = psum / pn;
  }
}

void Engine::handle_cascade(AssetId asset, AssetState& a, const CascadeDetector::Update& u) {
  if (u.ended) out_.publish_cascade(u.closed);
  if (!u.started && !u.fell) return;
  double oi = kAbsent, px = kAbsent;
  asset_market_state(asset, oi, px);
  if (u.started) {
    a.cascade->set_id(next_cascade_id_++);
    a.cascade->set_start_state(oi, px);
    ++a.cascades_total;
    out_.publish_cascade(a.cascade->record());
  }
  if (u.fell) a.cascade->set_end_state(oi, px);
}

void Engine::on_tick(std::int64_t now_ns) {
  now_ns_ = std::max(now_ns_, now_ns);
  const std::size_t na = std::min(table_.asset_count(), assets_.size());
  for (std::size_t i = 0; i < na; ++i) {
    AssetState* a = assets_[i].get();
    if (a == nullptr || !a->cascade) continue;
    const auto asset = static_cast<AssetId>(i);
    handle_cascade(asset, *a, a->cascade->on_tick(now_ns_));
    if (a->cascade->above()) {  // live OI/price change of the running episode
      double oi = kAbsent, px = kAbsent;
      asset_market_state(asset, oi, px);
      a->cascade->set_end_state(oi, px);
    }
  }
}

HawkesFitResult run_fit_job(const HawkesFitJob& job) {
  HawkesFitResult r;
  r.asset = job.asset;
  r.t1_ns = job.t1_ns;
  r.arrivals_seen = job.arrivals_seen;
  r.fit = fit_hawkes(job.times_ns, job.t0_ns, job.t1_ns, job.options);
  r.fallback_beta = job.options.beta_hint;
  if (r.fit.params.valid()) return r;  // the fallback is used only without an estimate
  double s = 0;
  for (const std::int64_t t : job.times_ns) {
    if (t < job.t0_ns || t > job.t1_ns) continue;
    s += std::exp(-r.fallback_beta * static_cast<double>(job.t1_ns - t) / kNsPerSecond);
  }
  r.fallback_excitation = s;
  return r;
}

void Engine::collect_fit_jobs(std::int64_t now_ns, std::vector<HawkesFitJob>& out) {
  constexpr std::int64_t kSlideRefitNs = 60'000'000'000;
  now_ns_ = std::max(now_ns_, now_ns);
  const std::size_t na = std::min(table_.asset_count(), assets_.size());
  for (std::size_t i = 0; i < na; ++i) {
    AssetState* a = assets_[i].get();
    if (a == nullptr || a->arrivals == 0) continue;
    // An estimate over n arrivals moves by O(1/n) per new one: with an estimate, refit once
    // the new arrivals reach 1 % of the last window (every second in a cascade, every few
    // tens of seconds in a quiet 1 h window); without one, on any new arrival.
    const std::uint64_t news = a->arrivals - a->arrivals_at_job;
    const bool fresh = news > 0 && (!a->params.valid() || news * 100 >= a->window.size());
    const bool slide = a->params.valid() && now_ns_ - a->last_job_ns >= kSlideRefitNs;
    if (!fresh && !slide) continue;
    HawkesFitJob job;
    job.asset = static_cast<AssetId>(i);
    job.arrivals_seen = a->arrivals;
    const std::int64_t from = now_ns_ - config_.hawkes_window_ns;
    std::vector<std::int64_t>& w = a->window;
    if (a->arrivals > a->times.size()) {
      // The ring has overwritten arrivals (it is full): rebuild from what it holds.
      w.clear();
      for (std::size_t k = 0; k < a->times.size(); ++k) {
        if (const std::int64_t t = a->time_at(k); t >= from) w.push_back(t);
      }
      std::sort(w.begin(), w.end());
    } else {
      w.erase(w.begin(), std::lower_bound(w.begin(), w.end(), from));
      const std::size_t old = w.size();
      for (std::size_t k = static_cast<std::size_t>(a->window_arrivals); k < a->times.size(); ++k) {
        if (const std::int64_t t = a->time_at(k); t >= from) w.push_back(t);
      }
      const auto mid = w.begin() + static_cast<std::ptrdiff_t>(old);
      if (!std::is_sorted(mid, w.end())) std::sort(mid, w.end());
      if (old > 0 && mid != w.end() && *mid < *(mid - 1)) std::inplace_merge(w.begin(), mid, w.end());
    }
    a->window_arrivals = a->arrivals;
    job.times_ns = w;
    const std::int64_t newest = w.empty() ? now_ns_ : std::max(now_ns_, w.back());
    const std::int64_t earliest = w.empty() ? now_ns_ : std::min(now_ns_, w.front());
    job.t1_ns = newest;  // an exchange clock slightly ahead of ours still falls inside
    // The window never starts before the engine began observing: time before that is not
    // "no liquidations", and counting it as such would push μ to 0 and η to 1.
    job.t0_ns = std::max(newest - config_.hawkes_window_ns,
                         std::min(first_now_ns_, earliest));
    job.options.min_events = config_.hawkes_min_events;
    job.options.beta_hint = kNsPerSecond / static_cast<double>(config_.hawkes_decay_ns);
    job.options.warm_start = a->params;  // NaN before the first estimate: a cold fit
    a->arrivals_at_job = a->arrivals;
    a->last_job_ns = now_ns_;
    out.push_back(std::move(job));
  }
}

void Engine::apply_fit(const HawkesFitResult& r) {
  if (r.asset >= assets_.size() || !assets_[r.asset]) return;
  AssetState& a = *assets_[r.asset];
  if (r.fit.params.valid()) {
    a.params = r.fit.params;
    a.intensity.set_params(a.params, r.fit.excitation_at_t1, r.t1_ns);
  } else {
    a.params = HawkesParams{};  // too few events: no estimate, and the EWMA rate again
    a.intensity.set_params(HawkesParams{0.0, r.fallback_beta, r.fallback_beta},
                           r.fallback_excitation, r.t1_ns);
  }
  // Re-add the arrivals that came after the job's copy, in arrival order.
  const std::uint64_t since = a.arrivals > r.arrivals_seen ? a.arrivals - r.arrivals_seen : 0;
  const std::size_t n = a.times.size();
  const std::size_t tail = static_cast<std::size_t>(std::min<std::uint64_t>(since, n));
  for (std::size_t k = n - tail; k < n; ++k) a.intensity.on_event(a.time_at(k));
  if (a.cascade) a.cascade->note_eta(a.params.eta());
}

void Engine::refit(std::int64_t now_ns) {
  std::vector<HawkesFitJob> jobs;
  collect_fit_jobs(now_ns, jobs);
  for (const HawkesFitJob& job : jobs) apply_fit(run_fit_job(job));
}

}  // namespace levdyn::core
