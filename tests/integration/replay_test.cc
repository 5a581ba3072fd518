// End-to-end record and replay: `levdyn demo --record DIR` as a real process for ~15 s, then
// `levdyn replay` twice on its capture (byte-identical), and `levdyn export` piped into
// `levdyn replay --format jsonl` (identical again). Exit codes of bad invocations.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/http_client.h"

namespace levdyn::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct CmdResult {
  int code = -1;
  std::string out;
};

/// Runs a shell command line, returns its exit code and stdout (stderr goes to `err_file`).
CmdResult run(const std::string& cmdline, const std::string& err_file) {
  CmdResult r;
  std::FILE* p = popen((cmdline + " 2>" + err_file).c_str(), "r");
  if (p == nullptr) return r;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string files_of(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += " '" + n + "'";
  return out;
}

class RecordReplayTest : public testing::Test {
 protected:
  TempDir dir_;
  const std::string bin_ = LEVDYN_BINARY;
};

// Verifies a 15 s recorded demo replays twice to byte-identical, non-empty results, and that
// its JSONL export replays to the same result.
TEST_F(RecordReplayTest, DemoRecordingReplaysIdentically) {
  const std::string cap = dir_.file("cap");
  {
    ChildProcess demo({bin_, "demo", "--listen", "127.0.0.1:0", "--record", cap},
                      dir_.file("demo.log"));
    const std::string line = demo.read_line(20s);
    ASSERT_EQ(line.rfind("levdyn listening on http://", 0), 0u) << read_file(dir_.file("demo.log"));
    const auto port = static_cast<std::uint16_t>(std::atoi(line.c_str() + line.rfind(':') + 1));
    std::this_thread::sleep_for(15s);  // the recording itself: a real process, real time
    // The recorder's counters are on /metrics: frames written, none dropped.
    const auto metrics = http_get(port, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("\nlevdyn_capture_frames_total "), std::string::npos);
    EXPECT_EQ(metrics.body.find("\nlevdyn_capture_frames_total 0\n"), std::string::npos);
    EXPECT_NE(metrics.body.find("\nlevdyn_capture_dropped_frames_total 0\n"), std::string::npos);
    ASSERT_EQ(demo.signal_and_wait(SIGTERM, 10s), 0) << read_file(dir_.file("demo.log"));
  }
  const std::string files = files_of(cap);
  ASSERT_FALSE(files.empty());
  const std::string err = dir_.file("replay.err");
  const CmdResult a = run(bin_ + " replay" + files, err);
  ASSERT_EQ(a.code, 0) << read_file(err);
  const CmdResult b = run(bin_ + " replay --speed max" + files, err);
  ASSERT_EQ(b.code, 0) << read_file(err);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out.rfind("{\"instruments\":[{", 0), 0u) << a.out.substr(0, 300);
  EXPECT_NE(a.out.find("\"assets\":[{\"asset\":"), std::string::npos) << a.out.substr(0, 300);
  EXPECT_EQ(a.out.find("\"frames\":0,"), std::string::npos);
  EXPECT_EQ(a.out.back(), '\n');

  const std::string jsonl = dir_.file("export.jsonl");
  const CmdResult e = run(bin_ + " export --format jsonl" + files + " > '" + jsonl + "'", err);
  ASSERT_EQ(e.code, 0) << read_file(err);
  ASSERT_GT(fs::file_size(jsonl), 1000u);
  const CmdResult c = run(bin_ + " replay --format jsonl '" + jsonl + "'", err);
  ASSERT_EQ(c.code, 0) << read_file(err);
  EXPECT_EQ(c.out, a.out);

  // --serve: the REST routes over the replayed state, the same document on stdout at the end.
  std::vector<std::string> argv = {bin_, "replay", "--serve", "--listen", "127.0.0.1:0"};
  for (const auto& f : fs::directory_iterator(cap)) argv.push_back(f.path().string());
  std::sort(argv.begin() + 5, argv.end());
  ChildProcess serve(argv, dir_.file("serve.log"));
  const std::string listening = serve.read_line(10s);
  ASSERT_EQ(listening.rfind("levdyn listening on http://127.0.0.1:", 0), 0u) << listening;
  const auto port =
      static_cast<std::uint16_t>(std::atoi(listening.c_str() + listening.rfind(':') + 1));
  EXPECT_EQ(serve.read_line(20s) + "\n", a.out);  // printed once the replay is done
  const auto assets = http_get(port, "/v1/assets");
  EXPECT_EQ(assets.status, 200);
  EXPECT_NE(assets.body.find("{\"asset\":"), std::string::npos) << assets.body.substr(0, 200);
  EXPECT_EQ(http_get(port, "/readyz").status, 200);
  EXPECT_EQ(serve.signal_and_wait(SIGTERM, 5s), 0) << read_file(dir_.file("serve.log"));
}

// Verifies `levdyn record` (feeds and recorder, no engine) against the simulator: files rotate
// by capture.rotate, each starts with the settings it was recorded under and the contract specs
// fetched from the venues, SIGTERM closes them with the feeds' down transitions, and they
// replay, by default with the recorded settings.
TEST_F(RecordReplayTest, RecordRotatesAndReplays) {
  ChildProcess sim({bin_, "sim", "--port", "0"}, dir_.file("sim.log"));
  const std::string head = sim.read_line(10s);
  const auto ca_at = head.find("CA certificate ");
  ASSERT_NE(ca_at, std::string::npos) << head;
  std::string yaml = "tls: {verify: true, ca_file: \"" + head.substr(ca_at + 15) +
                     "\"}\ncapture: {rotate: 2s}\nvenues:\n";
  for (int i = 0; i < 6; ++i) {  // "  binance      ws_url: wss://…  rest_url: https://…"
    std::string name, ws, rest, label;
    std::istringstream in(sim.read_line(5s));
    in >> name >> label >> ws >> label >> rest;
    ASSERT_FALSE(rest.empty());
    // SOL-USDT-SWAP: listed by the simulator's instruments endpoint, not bundled in levdyn.
    const std::string symbols =
        name == "okx" ? ", symbols: [BTC-USDT-SWAP, ETH-USDT-SWAP, SOL-USDT-SWAP]" : "";
    yaml += "  " + name + ": {enabled: true, ws_url: \"" + ws + "\", rest_url: \"" + rest + "\"" +
            symbols + "}\n";
  }
  std::ofstream(dir_.file("rec.yaml")) << yaml;
  const std::string out = dir_.file("rec");
  {
    ChildProcess rec({bin_, "record", "--out", out, "--config", dir_.file("rec.yaml")},
                     dir_.file("rec.log"));
    ASSERT_EQ(rec.read_line(20s), "levdyn recording into " + out)
        << read_file(dir_.file("rec.log"));
    std::this_thread::sleep_for(5s);
    ASSERT_EQ(rec.signal_and_wait(SIGTERM, 10s), 0) << read_file(dir_.file("rec.log"));
  }
  const std::string files = files_of(out);
  EXPECT_GE(std::count(files.begin(), files.end(), ' '), 2) << files;  // rotated at least once
  const std::string err = dir_.file("err");
  const CmdResult exported = run(bin_ + " export --format jsonl" + files, err);
  ASSERT_EQ(exported.code, 0) << read_file(err);
  EXPECT_NE(exported.out.find("\"channel\":\"status\",\"frame\":\"up\""), std::string::npos);
  EXPECT_NE(exported.out.find("\"frame\":\"down shutdown\""), std::string::npos);
  EXPECT_NE(exported.out.find("\"channel\":\"rest\""), std::string::npos);
  // Every file starts with the contract specs the recording used, here from the venue's
  // metadata: one that levdyn does not bundle among them.
  const std::string sol_spec =
      R"("venue":"okx","channel":"spec","frame":"{\"symbol\":\"SOL-USDT-SWAP\",\"asset\":\"SOL\",)"
      R"(\"kind\":\"linear\",\"contract_value\":1}"})";
  std::size_t specs = 0;
  for (auto at = exported.out.find(sol_spec); at != std::string::npos;
       at = exported.out.find(sol_spec, at + 1)) {
    ++specs;
  }
  EXPECT_EQ(specs, static_cast<std::size_t>(std::count(files.begin(), files.end(), ' ')))
      << exported.out.substr(0, 2000);
  // Every file starts with the settings it was recorded under, first.
  const std::string settings_line =
      R"({"channel":"settings","frame":"{\"windows\":[\"1m\",\"5m\",\"15m\",\"1h\"],)";
  EXPECT_EQ(exported.out.find(settings_line.substr(1)),
            exported.out.find("\"channel\":\"settings\""))
      << exported.out.substr(0, 600);
  EXPECT_LT(exported.out.find("\"channel\":\"settings\""),
            exported.out.find("\"channel\":\"spec\""));
  // Without --config, replay takes them: SOL-USDT-SWAP, which only rec.yaml tracks, has its
  // trades, and the result is the one replay gives with the recording's --config.
  const CmdResult replayed = run(bin_ + " replay" + files, err);
  ASSERT_EQ(replayed.code, 0) << read_file(err);
  EXPECT_NE(read_file(err).find("replay: the settings recorded in "), std::string::npos)
      << read_file(err);
  EXPECT_EQ(replayed.out.rfind("{\"instruments\":[{", 0), 0u) << replayed.out.substr(0, 200);
  EXPECT_NE(replayed.out.find(",\"errors\":0}"), std::string::npos);
  EXPECT_NE(replayed.out.find("\"symbol\":\"SOL-USDT-SWAP\""), std::string::npos);
  const CmdResult with_config =
      run(bin_ + " replay --config '" + dir_.file("rec.yaml") + "'" + files, err);
  ASSERT_EQ(with_config.code, 0) << read_file(err);
  EXPECT_EQ(with_config.out, replayed.out);
  // With another config, that config is used, and the recorded settings are named.
  std::ofstream(dir_.file("default.yaml")) << "log: {level: info}\n";
  const CmdResult with_defaults =
      run(bin_ + " replay --config '" + dir_.file("default.yaml") + "'" + files, err);
  ASSERT_EQ(with_defaults.code, 0) << read_file(err);
  EXPECT_EQ(with_defaults.out.find("\"symbol\":\"SOL-USDT-SWAP\""), std::string::npos);
  EXPECT_NE(read_file(err).find("were recorded under other settings"), std::string::npos)
      << read_file(err);
  // The environment still overrides the recorded settings key by key, and says so.
  const CmdResult overridden = run("LEVDYN_HAWKES_MIN_EVENTS=60 " + bin_ + " replay" + files, err);
  ASSERT_EQ(overridden.code, 0) << read_file(err);
  EXPECT_NE(overridden.out.find("\"symbol\":\"SOL-USDT-SWAP\""), std::string::npos);
  EXPECT_NE(read_file(err).find("(recorded settings, overridden by LEVDYN_* variables)): "),
            std::string::npos)
      << read_file(err);
  EXPECT_NE(read_file(err).find("(unset those variables to use the recorded settings)"),
            std::string::npos)
      << read_file(err);
  // The recording directory itself stands for its files in the order they were written.
  const CmdResult from_dir = run(bin_ + " replay '" + out + "'", err);
  ASSERT_EQ(from_dir.code, 0) << read_file(err);
  EXPECT_EQ(from_dir.out, replayed.out);
  // The export on standard input: its settings are found, and the lines read to find them
  // are replayed too (a bad line before them is counted once).
  std::ofstream(dir_.file("export.jsonl")) << exported.out;
  const CmdResult piped =
      run("cat '" + dir_.file("export.jsonl") + "' | " + bin_ + " replay -", err);
  ASSERT_EQ(piped.code, 0) << read_file(err);
  EXPECT_NE(read_file(err).find("replay: the settings recorded in standard input"),
            std::string::npos)
      << read_file(err);
  EXPECT_EQ(piped.out, replayed.out);
  const CmdResult bad_first =
      run("(echo not-json; cat '" + dir_.file("export.jsonl") + "') | " + bin_ + " replay -", err);
  ASSERT_EQ(bad_first.code, 0) << read_file(err);
  EXPECT_NE(bad_first.out.find("\"symbol\":\"SOL-USDT-SWAP\""), std::string::npos);
  EXPECT_NE(bad_first.out.find(",\"errors\":1}"), std::string::npos)
      << bad_first.out.substr(bad_first.out.size() - 300);
  // Standard input read to its end while looking (no settings, no market data): what was read
  // is still replayed, and its bad lines counted.
  const CmdResult only_bad = run("printf 'not-json\\n{}\\n' | " + bin_ + " replay -", err);
  ASSERT_EQ(only_bad.code, 0) << read_file(err);
  EXPECT_NE(only_bad.out.find(",\"errors\":2}"), std::string::npos) << only_bad.out;
}

// Verifies bad invocations give one line on stderr and exit 2, before printing anything.
TEST_F(RecordReplayTest, BadInvocationsExit2) {
  const std::string err = dir_.file("err");
  std::ofstream(dir_.file("junk.bin")) << "\x01\x02 not a capture";
  const std::vector<std::string> cases = {std::string(" replay"),
                                          " replay '" + dir_.file("missing.ldcap") + "'",
                                          " replay --speed fast x.jsonl",
                                          " replay --format xml x.jsonl",
                                          " replay '" + dir_.file("junk.bin") + "'",
                                          " replay '" + dir_.path() + "'",  // no *.ldcap
                                          std::string(" export"),
                                          std::string(" export --format capture x.jsonl"),
                                          std::string(" replay --listen 127.0.0.1:0 x.jsonl")};
  for (const std::string& args : cases) {
    SCOPED_TRACE(args);
    const CmdResult r = run(bin_ + args, err);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.out, "");
    const std::string msg = read_file(err);
    EXPECT_EQ(msg.rfind("levdyn: ", 0), 0u) << msg;
    EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1) << msg;
  }
}

}  // namespace
}  // namespace levdyn::test
