// System files: reading, validation messages, instance expansion, routing and
// the resources each hop loads.
#include "dnnpart/system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "dnnpart/error.h"

namespace dnnpart {
namespace {

namespace fs = std::filesystem;

const std::string kPlatforms = std::string(DNNPART_SOURCE_DIR) + "/platforms/";

// Writes `body` (the part after the header) as a system file in a fresh
// folder; platform paths in it are absolute.
class SystemFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnnpart_system_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& body) {
    const std::string path = (dir_ / "system.json").string();
    std::ofstream(path) << R"({"schema_version": 1, "kind": "system", "name": "test", )" << body << "}";
    return path;
  }

  static std::string Platform(const std::string& name) { return "\"" + kPlatforms + name + ".json\""; }

  std::string LoadError(const std::string& body) {
    const std::string path = Write(body);
    try {
      LoadSystem(path);
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      return message.substr(path.size() + 2);
    }
    ADD_FAILURE() << "no error for " << body;
    return "";
  }

  fs::path dir_;
};

double Zero(size_t) { return 0.0; }

TEST(SystemExamples, BundledFilesLoad) {
  const System s = LoadSystem(kPlatforms + "systems/pi4_coral_jetson.json");
  ASSERT_EQ(s.devices.size(), 3u);
  EXPECT_EQ(s.devices[1].name, "coral");
  EXPECT_EQ(s.devices[1].host, std::optional<size_t>(0));
  EXPECT_EQ(s.input.dtype, DType::kUInt8);
  EXPECT_EQ(s.input.shape, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(s.input.fps, 30.0);
  EXPECT_EQ(s.output_device, std::optional<size_t>(0));
  ASSERT_EQ(s.media.size(), 2u);
  EXPECT_EQ(s.media[0].name, "eth");
  EXPECT_EQ(s.media[1].name, "pi-coral");
  EXPECT_EQ(s.media[1].link.name, "usb3");

  const System lan = LoadSystem(kPlatforms + "systems/two_pi5_jetson_switch.json");
  ASSERT_EQ(lan.devices.size(), 3u);
  EXPECT_EQ(lan.devices[0].name, "pi#1");
  EXPECT_EQ(lan.devices[1].name, "pi#2");
  EXPECT_EQ(lan.devices[1].type, "pi");
  EXPECT_EQ(lan.media[0].devices, (std::vector<size_t>{0, 1, 2}));
  EXPECT_FALSE(lan.output_device);

  const System wifi = LoadSystem(kPlatforms + "systems/wifi_robots.json");
  EXPECT_EQ(wifi.media[0].kind, MediumKind::kShared);
  EXPECT_FALSE(wifi.input.fps);
}

TEST(SystemRoute, AcceleratorIsReachedThroughItsHost) {
  const System s = LoadSystem(kPlatforms + "systems/pi4_coral_jetson.json");
  const auto route = Route(s, 2, 1, Zero);  // jetson -> coral
  ASSERT_EQ(route.size(), 2u);
  EXPECT_EQ(route[0].medium, 0u);
  EXPECT_EQ(route[0].from, 2u);
  EXPECT_EQ(route[0].to, 0u);
  EXPECT_EQ(route[1].medium, 1u);
  EXPECT_EQ(route[1].to, 1u);
  EXPECT_TRUE(Route(s, 0, 0, Zero).empty());
}

TEST_F(SystemFile, AcceleratorForwardsNothing) {
  // a - acc (attached to a) and a second accelerator path must not relay through acc.
  const std::string path = Write(R"("devices": [
      {"name": "a", "platform": )" + Platform("raspberry_pi_4") + R"(},
      {"name": "b", "platform": )" + Platform("raspberry_pi_4") + R"(},
      {"name": "acc", "platform": )" + Platform("coral_usb") + R"(, "host": "a", "attach": )" +
                                 Platform("usb3") + R"(}],
    "input": {"device": "a"})");
  const System s = LoadSystem(path);
  EXPECT_THROW(Route(s, 0, 1, Zero), Error);  // a and b share no link
  EXPECT_EQ(Route(s, 0, 2, Zero).size(), 1u);
  EXPECT_THROW(Route(s, 2, 1, Zero), Error);
}

TEST_F(SystemFile, RouteTakesTheCheaperPathAndCountsHopsOnTies) {
  const std::string eth = Platform("ethernet_1g");
  const std::string path = Write(R"("devices": [
      {"name": "n", "platform": )" + Platform("raspberry_pi_5") + R"(, "count": 3}],
    "links": [
      {"name": "slow", "between": ["n#1", "n#3"], "link": )" + eth + R"(},
      {"name": "a", "between": ["n#1", "n#2"], "link": )" + eth + R"(},
      {"name": "b", "between": ["n#2", "n#3"], "link": )" + eth + R"(}],
    "input": {"device": "n#1"})");
  const System s = LoadSystem(path);
  // Direct link costs 5, the two-hop path 2 + 2.
  auto cost = [](size_t m) { return m == 0 ? 5.0 : 2.0; };
  auto route = Route(s, 0, 2, cost);
  ASSERT_EQ(route.size(), 2u);
  EXPECT_EQ(route[0].medium, 1u);
  EXPECT_EQ(route[1].medium, 2u);
  // Equal cost: the direct link (fewer hops).
  auto equal = [](size_t m) { return m == 0 ? 4.0 : 2.0; };
  route = Route(s, 0, 2, equal);
  ASSERT_EQ(route.size(), 1u);
  EXPECT_EQ(route[0].medium, 0u);
}

// Against an independent oracle: Floyd–Warshall over random topologies.
TEST_F(SystemFile, RouteCostMatchesAllPairsShortestPaths) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 2 + static_cast<int>(rng() % 5);
    std::string links;
    std::vector<std::tuple<int, int, double>> edges;
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        if (rng() % 2 != 0) continue;
        if (!links.empty()) links += ",";
        links += R"({"between": ["n#)" + std::to_string(a + 1) + R"(", "n#)" + std::to_string(b + 1) +
                 R"("], "link": )" + Platform("ethernet_1g") + "}";
        edges.emplace_back(a, b, 1.0 + static_cast<double>(rng() % 9));
      }
    }
    if (n == 1 || edges.empty()) continue;
    const std::string path = Write(R"("devices": [{"name": "n", "platform": )" + Platform("raspberry_pi_5") +
                                   R"(, "count": )" + std::to_string(n) + R"(}], "links": [)" + links +
                                   R"(], "input": {"device": "n#1"})");
    const System s = LoadSystem(path);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<std::vector<double>> d(n, std::vector<double>(n, inf));
    for (int i = 0; i < n; ++i) d[i][i] = 0;
    for (const auto& [a, b, w] : edges) d[a][b] = d[b][a] = std::min(d[a][b], w);
    for (int k = 0; k < n; ++k)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) d[i][j] = std::min(d[i][j], d[i][k] + d[k][j]);
    auto cost = [&](size_t m) { return std::get<2>(edges[m]); };
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (d[i][j] == inf) {
          EXPECT_THROW(Route(s, i, j, cost), Error);
          continue;
        }
        const auto route = Route(s, i, j, cost);
        double total = 0;
        size_t at = i;
        for (const RouteHop& hop : route) {
          EXPECT_EQ(hop.from, at);
          total += cost(hop.medium);
          at = hop.to;
        }
        EXPECT_EQ(at, static_cast<size_t>(j));
        EXPECT_DOUBLE_EQ(total, d[i][j]) << "trial " << trial << " " << i << "->" << j;
      }
    }
  }
}

// The routes of relaxing every ordered pair of every medium's members, as
// docs/system.md defines them: the oracle for Route's cheaper relaxation.
std::optional<std::vector<RouteHop>> PairwiseRoute(const System& s, size_t from, size_t to,
                                                   const std::function<double(size_t)>& cost) {
  const size_t n = s.devices.size();
  std::vector<std::pair<double, size_t>> best(n, {std::numeric_limits<double>::infinity(), 0});
  std::vector<std::optional<RouteHop>> via(n);
  std::vector<bool> done(n, false);
  std::set<std::tuple<double, size_t, size_t>> queue{{0.0, 0, from}};
  best[from] = {0.0, 0};
  while (!queue.empty()) {
    const auto [c, hops, d] = *queue.begin();
    queue.erase(queue.begin());
    if (done[d]) continue;
    done[d] = true;
    if (d != from && s.devices[d].host) continue;
    for (size_t m = 0; m < s.media.size(); ++m) {
      const auto& members = s.media[m].devices;
      if (std::find(members.begin(), members.end(), d) == members.end()) continue;
      for (const size_t b : members) {
        const std::pair<double, size_t> candidate{c + cost(m), hops + 1};
        if (b == d || !(candidate < best[b])) continue;
        best[b] = candidate;
        via[b] = RouteHop{m, d, b};
        queue.emplace(candidate.first, candidate.second, b);
      }
    }
  }
  if (from != to && !via[to]) return std::nullopt;
  std::vector<RouteHop> route;
  for (size_t at = to; at != from; at = via[at]->from) route.insert(route.begin(), *via[at]);
  return route;
}

bool SameHops(const std::vector<RouteHop>& a, const std::vector<RouteHop>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].medium != b[i].medium || a[i].from != b[i].from || a[i].to != b[i].to) return false;
  }
  return true;
}

// Random mixes of links, switches, shared media and accelerators, with many
// equal costs so that the tie-breaks decide: Route and RoutesFrom pick the
// very hops the pairwise relaxation picks.
TEST_F(SystemFile, RouteIsThePairwiseRelaxationsRoute) {
  std::mt19937 rng(11);
  const std::string eth = Platform("ethernet_1g");
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 3 + static_cast<int>(rng() % 6);
    std::string links, media;
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        if (rng() % 3 != 0) continue;
        links += std::string(links.empty() ? "" : ",") + R"({"between": ["n#)" + std::to_string(a + 1) +
                 R"(", "n#)" + std::to_string(b + 1) + R"("], "link": )" + eth + "}";
      }
    }
    for (int k = 0; k < 3; ++k) {
      std::string members;
      for (int a = 0; a < n; ++a) {
        if (rng() % 2 == 0) members += std::string(members.empty() ? "" : ",") + "\"n#" + std::to_string(a + 1) + "\"";
      }
      if (std::count(members.begin(), members.end(), ',') < 1) continue;
      media += std::string(media.empty() ? "" : ",") + R"({"name": "m)" + std::to_string(k) + R"(", "kind": ")" +
               (k % 2 ? "shared" : "switch") + R"(", "link": )" + eth + R"(, "devices": [)" + members + "]}";
    }
    const std::string path = Write(
        R"("devices": [{"name": "n", "platform": )" + Platform("raspberry_pi_5") + R"(, "count": )" +
        std::to_string(n) + R"(}, {"name": "acc", "platform": )" + Platform("coral_usb") +
        R"(, "host": "n#1", "attach": )" + Platform("usb3") + R"(}], "links": [)" + links + R"(], "media": [)" +
        media + R"(], "input": {"device": "n#1"})");
    const System s = LoadSystem(path);
    std::vector<double> costs(s.media.size());
    for (double& c : costs) c = static_cast<double>(rng() % 3);
    const auto cost = [&](size_t m) { return costs[m]; };
    for (size_t i = 0; i < s.devices.size(); ++i) {
      const auto all = RoutesFrom(s, i, cost);
      for (size_t j = 0; j < s.devices.size(); ++j) {
        const auto expected = PairwiseRoute(s, i, j, cost);
        ASSERT_EQ(all[j].has_value(), expected.has_value()) << "trial " << trial << " " << i << "->" << j;
        if (!expected) {
          EXPECT_THROW(Route(s, i, j, cost), Error);
          continue;
        }
        EXPECT_TRUE(SameHops(Route(s, i, j, cost), *expected)) << "trial " << trial << " " << i << "->" << j;
        EXPECT_TRUE(SameHops(*all[j], *expected)) << "trial " << trial << " " << i << "->" << j;
      }
    }
  }
}

// 4096 instances (the limit) on one switch: loading checks reachability in
// one pass, and a route relaxes the switch once, not once per member pair.
// Before, loading took O(n³) steps here (hours).
TEST_F(SystemFile, LargestSwitchLoadsAndRoutes) {
  const System s = LoadSystem(Write(
      R"("devices": [{"name": "n", "platform": )" + Platform("raspberry_pi_5") + R"(, "count": 4096}],
         "media": [{"name": "lan", "kind": "switch", "link": )" + Platform("ethernet_1g") + R"(, "devices": ["n"]}],
         "input": {"device": "n#1"}, "output": {"device": "n#4096"})"));
  ASSERT_EQ(s.devices.size(), 4096u);
  const auto routes = RoutesFrom(s, 0, Zero);
  ASSERT_TRUE(routes[4095]);
  EXPECT_EQ(routes[4095]->size(), 1u);
  EXPECT_EQ(Route(s, 4095, 17, Zero).size(), 1u);
}

TEST_F(SystemFile, SummaryShowsEveryPairUpToSixteenDevicesOrWhenAsked) {
  const auto summary = [&](int count, bool all_routes, const std::string& output) {
    const System s = LoadSystem(Write(
        R"("devices": [{"name": "n", "platform": )" + Platform("raspberry_pi_5") + R"(, "count": )" +
        std::to_string(count) + R"(}], "media": [{"name": "lan", "kind": "switch", "link": )" +
        Platform("ethernet_1g") + R"(, "devices": ["n"]}], "input": {"device": "n#2"})" + output));
    std::ostringstream out;
    SystemSummaryOptions options;
    options.all_routes = all_routes;
    WriteSystemSummary(s, options, out);
    const std::string text = out.str();
    return std::count(text.begin(), text.end(), '>') / 2;  // "a -> b: ... a =lan=> b"
  };
  EXPECT_EQ(summary(16, false, ""), 16 * 15);
  EXPECT_EQ(summary(17, false, ""), 16);  // no output device: the routes from n#2 only
  EXPECT_EQ(summary(17, true, ""), 17 * 16);
  // From n#2 to the 39 others, and from the 38 others but n#5 to n#5.
  EXPECT_EQ(summary(40, false, R"(, "output": {"device": "n#5"})"), 39 + 38);
}

TEST(SystemResources, EachMediumKindLoadsItsOwnCapacities) {
  const System lan = LoadSystem(kPlatforms + "systems/two_pi5_jetson_switch.json");
  const auto ports = HopResources(lan, {0, 0, 2});
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ResourceName(lan, ports[0]), "lan: port of pi#1 (sending)");
  EXPECT_EQ(ResourceName(lan, ports[1]), "lan: port of jetson (receiving)");
  // Two transfers into the same receiver share its port; opposite directions do not.
  EXPECT_EQ(HopResources(lan, {0, 1, 2})[1], ports[1]);
  EXPECT_FALSE(HopResources(lan, {0, 2, 0})[0] == ports[0]);

  const System wifi = LoadSystem(kPlatforms + "systems/wifi_robots.json");
  EXPECT_EQ(HopResources(wifi, {0, 0, 1}), HopResources(wifi, {0, 2, 1}));
  EXPECT_EQ(ResourceName(wifi, HopResources(wifi, {0, 0, 1})[0]), "wifi");

  const System coral = LoadSystem(kPlatforms + "systems/pi4_coral_jetson.json");
  const auto there = HopResources(coral, {1, 0, 1});
  const auto back = HopResources(coral, {1, 1, 0});
  EXPECT_FALSE(there[0] == back[0]);  // full duplex
  EXPECT_EQ(ResourceName(coral, back[0]), "pi-coral: coral -> pi");
}

struct BadSystem {
  std::string body;
  std::string message;
};

TEST_F(SystemFile, BadFilesNameTheObjectAtFault) {
  const std::string pi = Platform("raspberry_pi_4");
  const std::string eth = Platform("ethernet_1g");
  const std::vector<BadSystem> cases = {
      {R"("devices": [], "input": {"device": "a"})", "/devices: needs at least one device"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(}, {"name": "a", "platform": )" + pi +
           R"(}], "input": {"device": "a"})",
       "/devices/1/name: 'a' is named twice"},
      {R"("devices": [{"name": "a#1", "platform": )" + pi + R"(}], "input": {"device": "a"})",
       "/devices/0/name: 'a#1' may not contain '#'"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "input": {"device": "a"})",
       "/input/device: 'a' has 2 instances; name one, e.g. 'a#1'"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(}], "input": {"device": "b"})",
       "/input/device: no device named 'b' (devices: a)"},
      {R"("devices": [{"name": "a", "platform": "missing.json"}], "input": {"device": "a"})",
       "/devices/0/platform: "},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "links": [{"between": ["a#1", "a#1"], "link": )" +
           eth + R"(}], "input": {"device": "a#1"})",
       "/links/0/between: a link joins two different devices"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "links": [{"between": ["a#1"], "link": )" +
           eth + R"(}], "input": {"device": "a#1"})",
       "/links/0/between: must be an array of two device names"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(}, {"name": "c", "platform": )" + pi +
           R"(, "host": "a", "attach": )" + eth + R"(}, {"name": "b", "platform": )" + pi +
           R"(}], "links": [{"between": ["c", "b"], "link": )" + eth + R"(}], "input": {"device": "a"})",
       "/links/0/between/0: 'c' is an accelerator attached to 'a'"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "host": "a", "attach": )" + eth +
           R"(}], "input": {"device": "a"})",
       "/devices/0/host: a device cannot host itself"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "attach": )" + eth +
           R"(}], "input": {"device": "a"})",
       "/devices/0/attach: only an accelerator"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "media": [{"name": "m", "kind": "bus", "link": )" +
           eth + R"(, "devices": ["a"]}], "input": {"device": "a#1"})",
       "/media/0/kind: must be \"switch\" or \"shared\", got \"bus\""},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "media": [{"name": "m", "kind": "shared", "link": )" +
           eth + R"(, "devices": ["a#1"]}], "input": {"device": "a#1"})",
       "/media/0/devices: a medium joins at least two devices"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "media": [{"name": "m", "kind": "shared", "link": )" +
           eth + R"(, "devices": ["a", "a#2"]}], "input": {"device": "a#1"})",
       "/media/0/devices/1: 'a#2' is listed twice"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 2}], "input": {"device": "a#1"}, "output": {"device": "a#2"})",
       "/output/device: 'a#2' cannot be reached from the input device 'a#1'"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(}], "input": {"device": "a", "fps": 0})",
       "/input/fps: must be positive"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(}], "input": {"device": "a", "dtype": "uint7"})",
       "/input/dtype: unknown data type 'uint7'"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(}], "input": {"device": "a", "shape": [1, 0]})",
       "/input/shape/1: must be a positive integer"},
      {R"("devices": [{"name": "a", "platform": )" + pi + R"(, "count": 5000}], "input": {"device": "a#1"})",
       "/devices/0/count: must be from 1 to 4096"},
  };
  for (const BadSystem& c : cases) {
    const std::string message = LoadError(c.body);
    EXPECT_EQ(message.rfind(c.message, 0), 0u) << "got: " << message << "\nwanted: " << c.message;
  }
}

TEST_F(SystemFile, WrongKindIsRefused) {
  const std::string path = (dir_ / "link.json").string();
  fs::copy_file(kPlatforms + "ethernet_1g.json", path);
  try {
    LoadSystem(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": /kind: expected \"system\", got \"link\"");
  }
}

}  // namespace
}  // namespace dnnpart
