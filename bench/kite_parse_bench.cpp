// Benchmarks of the Kite ticker frame parser (feed/kite/kite_parse.h), on synthetic frames of 50
// packets for 50 instruments (a realistic full-market frame for a Nifty 50 subscription):
//   BM_KiteParse_FullPackets    full-mode 184-byte packets with market depth (goal >= 20 M/s/core).
//   BM_KiteParse_QuotePackets   quote-mode 44-byte packets.
//   BM_KiteParse_LtpPackets     ltp-mode 8-byte packets.
//   BM_KitePacket_DecodeFull    decode_packet of every field of a full packet (inspection path).
// Items/s in the output is packets (= ticks) per second on one core; the tick vector is reused, so
// no iteration allocates.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "feed/kite/kite_messages.h"
#include "feed/kite/kite_parse.h"
#include "feed/kite/kite_symbols.h"
#include "model/instrument.h"

namespace {

namespace kite = nifty::feed::kite;
using nifty::core::Timestamp;

constexpr int kInstruments = 50;

kite::Symbols make_symbols() {
  std::string csv = "symbol,nse_token,kite_token\n";
  for (int i = 0; i < kInstruments; ++i) {
    uint32_t nse = 1000 + 37 * i;
    csv += "SYM" + std::to_string(i) + "," + std::to_string(nse) + "," + std::to_string(nse * 256 + 1) + "\n";
  }
  auto u = nifty::model::Universe::parse_csv(csv, "bench");
  return std::move(kite::Symbols::create(u.value())).value();
}

void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  b[off] = static_cast<uint8_t>(v >> 24);
  b[off + 1] = static_cast<uint8_t>(v >> 16);
  b[off + 2] = static_cast<uint8_t>(v >> 8);
  b[off + 3] = static_cast<uint8_t>(v);
}

// One frame: count, then kInstruments packets of `size` bytes with plausible values.
std::vector<uint8_t> make_frame(size_t size) {
  std::vector<uint8_t> f{0, static_cast<uint8_t>(kInstruments)};
  for (int i = 0; i < kInstruments; ++i) {
    std::vector<uint8_t> p(size, 0);
    uint32_t token = (1000 + 37 * i) * 256 + 1;
    put32(p, 0, token);
    put32(p, 4, 100000 + 5 * i);
    if (size >= kite::kQuotePacketSize) {
      put32(p, 8, 10 + i);
      put32(p, 16, 1'000'000 + i);
    }
    if (size == kite::kFullPacketSize) {
      put32(p, 44, 1'700'000'000);
      put32(p, 60, 1'700'000'001);
      for (int l = 0; l < 10; ++l) {
        put32(p, 64 + 12 * l, 100 + l);
        put32(p, 68 + 12 * l, 100000 + (l < 5 ? -5 * l : 5 * (l - 4)));
      }
    }
    f.push_back(static_cast<uint8_t>(size >> 8));
    f.push_back(static_cast<uint8_t>(size));
    f.insert(f.end(), p.begin(), p.end());
  }
  return f;
}

void run_parse(benchmark::State& state, size_t packet_size) {
  const kite::Symbols symbols = make_symbols();
  const std::vector<uint8_t> frame = make_frame(packet_size);
  std::vector<nifty::model::Tick> ticks;
  ticks.reserve(kInstruments);
  const Timestamp receive = Timestamp::from_seconds(1'700'000'002);
  int64_t checksum = 0;
  for (auto _ : state) {
    ticks.clear();
    auto r = kite::parse_frame(frame, receive, symbols, ticks);
    if (!r.is_ok() || r->ticks != kInstruments) {
      state.SkipWithError("parse failed");
      break;
    }
    checksum += ticks.back().last_price.paise();
    benchmark::DoNotOptimize(ticks.data());
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kInstruments);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(frame.size()));
}

void BM_KiteParse_FullPackets(benchmark::State& state) { run_parse(state, kite::kFullPacketSize); }
void BM_KiteParse_QuotePackets(benchmark::State& state) { run_parse(state, kite::kQuotePacketSize); }
void BM_KiteParse_LtpPackets(benchmark::State& state) { run_parse(state, kite::kLtpPacketSize); }

void BM_KitePacket_DecodeFull(benchmark::State& state) {
  const std::vector<uint8_t> frame = make_frame(kite::kFullPacketSize);
  const std::span<const uint8_t> packet(frame.data() + 4, kite::kFullPacketSize);
  kite::Packet p;
  for (auto _ : state) {
    benchmark::DoNotOptimize(kite::decode_packet(packet, p));
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_KiteParse_FullPackets);
BENCHMARK(BM_KiteParse_QuotePackets);
BENCHMARK(BM_KiteParse_LtpPackets);
BENCHMARK(BM_KitePacket_DecodeFull);

}  // namespace

BENCHMARK_MAIN();
