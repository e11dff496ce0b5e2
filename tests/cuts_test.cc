#include <gtest/gtest.h>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::BruteForceCuts;
using test::BuildGraph;
using test::HeadNameSets;
using test::LayerSpec;

std::vector<std::string> CrossingNames(const LayerGraph& g, const Cut& cut) {
  std::vector<std::string> names;
  for (TensorId t : cut.crossing) names.push_back(g.tensor(t).name);
  return names;
}

// x -> c1 -> r1 -> c2 -> add(+x) -> r2 -> y : a residual block.
LayerGraph ResidualBlock() {
  return BuildGraph({"x"},
                    {{"stem", {"x"}, {"s"}},
                     {"c1", {"s"}, {"a"}},
                     {"r1", {"a"}, {"b"}},
                     {"c2", {"b"}, {"c"}},
                     {"add", {"c", "s"}, {"d"}},
                     {"r2", {"d"}, {"y"}}},
                    {"y"});
}

TEST(CutFinder, ChainHasACutAfterEveryLayerButTheLast) {
  const LayerGraph g = BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"B", {"a"}, {"b"}}, {"C", {"b"}, {"c"}}}, {"c"});
  const auto cuts = FindCuts(g, {});
  ASSERT_EQ(cuts.size(), 2U);
  EXPECT_EQ(CrossingNames(g, cuts[0]), (std::vector<std::string>{"a"}));
  EXPECT_EQ(CrossingNames(g, cuts[1]), (std::vector<std::string>{"b"}));
  EXPECT_EQ(cuts[0].crossing_bytes, 16);
  EXPECT_EQ(cuts[1].head_size(), 2U);
}

TEST(CutFinder, NoSingleTensorCutInsideResidualBlock) {
  const LayerGraph g = ResidualBlock();
  const auto cuts = FindCuts(g, {.max_cut_tensors = 1});
  std::vector<std::vector<std::string>> crossing;
  for (const Cut& cut : cuts) crossing.push_back(CrossingNames(g, cut));
  EXPECT_EQ(crossing, (std::vector<std::vector<std::string>>{{"s"}, {"d"}}));
}

TEST(CutFinder, TwoTensorCutsFindTheBranchAndTheSkip) {
  const LayerGraph g = ResidualBlock();
  const auto cuts = FindCuts(g, {.max_cut_tensors = 2});
  std::vector<std::vector<std::string>> crossing;
  for (const Cut& cut : cuts) crossing.push_back(CrossingNames(g, cut));
  // After stem: s; after c1: a + skip s; after r1: b + s; after c2: c + s; after add: d.
  EXPECT_EQ(crossing, (std::vector<std::vector<std::string>>{{"s"}, {"s", "a"}, {"s", "b"}, {"s", "c"}, {"d"}}));
  EXPECT_EQ(cuts[1].prefix_layers, 1);
  EXPECT_EQ(cuts[1].extra_layers, (std::vector<LayerId>{1}));
}

TEST(CutFinder, InceptionBlockNeedsOneTensorPerOpenBranch) {
  const LayerGraph g = BuildGraph({"x"},
                                  {{"b1", {"x"}, {"t1"}},
                                   {"b2", {"x"}, {"t2"}},
                                   {"b3", {"x"}, {"t3"}},
                                   {"cat", {"t1", "t2", "t3"}, {"y"}},
                                   {"head", {"y"}, {"z"}}},
                                  {"z"});
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 1}).size(), 1U);      // after cat
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 2}).size(), 1U + 3U);  // + one branch done
  // Two branches done: x and two branch outputs. All three done: x is no longer needed.
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 3}).size(), 1U + 3U + 3U + 1U);
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 4}).size(), 1U + 3U + 3U + 1U);
}

TEST(CutFinder, GraphOutputProducedInHeadCrosses) {
  // a is a graph output and also feeds B: cutting after A sends a once.
  const LayerGraph g = BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"B", {"a"}, {"b"}}}, {"a", "b"});
  const auto cuts = FindCuts(g, {});
  ASSERT_EQ(cuts.size(), 1U);
  EXPECT_EQ(CrossingNames(g, cuts[0]), (std::vector<std::string>{"a"}));
}

TEST(CutFinder, EarlyGraphOutputForcesTwoTensors) {
  const LayerGraph g =
      BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"side", {"a"}, {"s"}}, {"B", {"a"}, {"b"}}, {"C", {"b"}, {"c"}}},
                 {"s", "c"});
  EXPECT_EQ(HeadNameSets(g, FindCuts(g, {.max_cut_tensors = 1})), BruteForceCuts(g, 1));
  EXPECT_EQ(HeadNameSets(g, FindCuts(g, {.max_cut_tensors = 2})), BruteForceCuts(g, 2));
}

TEST(CutFinder, MultiOutputNodeSendsEveryNeededOutput) {
  const LayerGraph g = BuildGraph(
      {"x"}, {{"split", {"x"}, {"p", "q"}}, {"P", {"p"}, {"pp"}}, {"Q", {"q"}, {"qq"}}, {"cat", {"pp", "qq"}, {"y"}}},
      {"y"});
  const auto cuts = FindCuts(g, {.max_cut_tensors = 2});
  ASSERT_FALSE(cuts.empty());
  EXPECT_EQ(CrossingNames(g, cuts[0]), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(HeadNameSets(g, cuts), BruteForceCuts(g, 2));
}

TEST(CutFinder, TwoGraphInputsBothCrossUntilConsumed) {
  const LayerGraph g = BuildGraph({"u", "v"}, {{"A", {"u"}, {"a"}}, {"B", {"v"}, {"b"}}, {"C", {"a", "b"}, {"c"}}},
                                  {"c"});
  EXPECT_EQ(HeadNameSets(g, FindCuts(g, {.max_cut_tensors = 2})), BruteForceCuts(g, 2));
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 1}).size(), 0U);
}

TEST(CutFinder, CutsAreOrderedByHeadSize) {
  const LayerGraph g = ResidualBlock();
  const auto cuts = FindCuts(g, {.max_cut_tensors = 3});
  for (size_t i = 1; i < cuts.size(); ++i) EXPECT_LE(cuts[i - 1].head_size(), cuts[i].head_size());
}

TEST(CutFinder, RejectsZeroTensors) { EXPECT_THROW(FindCuts(ResidualBlock(), {.max_cut_tensors = 0}), Error); }

TEST(CutFinder, CrossingTensorsOfHeadMaskMatchCut) {
  const LayerGraph g = ResidualBlock();
  for (const Cut& cut : FindCuts(g, {.max_cut_tensors = 3})) {
    EXPECT_EQ(CrossingTensors(g, HeadMask(g, cut)), cut.crossing);
    for (size_t l = 0; l < g.layer_count(); ++l) {
      EXPECT_EQ(InHead(g, cut, static_cast<LayerId>(l)), HeadMask(g, cut)[l]);
    }
  }
}

// The property test: on many small random DAGs, the cut finder reports exactly
// the down-sets a brute-force enumeration finds, for K = 1..4.
TEST(CutFinder, MatchesBruteForceOnRandomDags) {
  std::mt19937 rng(20261126);
  int checked = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int layers = std::uniform_int_distribution<int>(2, 13)(rng);
    const LayerGraph g = test::RandomGraph(rng, layers);
    for (int k = 1; k <= 4; ++k) {
      const auto cuts = FindCuts(g, {.max_cut_tensors = k});
      ASSERT_EQ(HeadNameSets(g, cuts), BruteForceCuts(g, k)) << "trial " << trial << " k " << k << ": " << test::Describe(g);
      ASSERT_EQ(HeadNameSets(g, cuts).size(), cuts.size()) << "duplicate cut, trial " << trial;
      for (const Cut& cut : cuts) ASSERT_EQ(CrossingTensors(g, HeadMask(g, cut)), cut.crossing);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 1600);
}

TEST(CutFinder, LongChainIsLinear) {
  std::vector<LayerSpec> layers;
  for (int i = 0; i < 5000; ++i) {
    layers.push_back({std::string("L").append(std::to_string(i)),
                      {i == 0 ? std::string("x") : std::string("t").append(std::to_string(i - 1))},
                      {std::string("t").append(std::to_string(i))}});
  }
  const LayerGraph g = BuildGraph({"x"}, layers, {"t4999"});
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 2}).size(), 4999U);
}

// `width` parallel two-layer branches between a fork and a join.
LayerGraph FanOut(int width) {
  std::vector<LayerSpec> layers{{"fork", {"x"}, {"f"}}};
  std::vector<std::string> joined;
  for (int b = 0; b < width; ++b) {
    const std::string id = std::to_string(b);
    layers.push_back({"a" + id, {"f"}, {"ta" + id}});
    layers.push_back({"b" + id, {"ta" + id}, {"tb" + id}});
    joined.push_back("tb" + id);
  }
  layers.push_back({"join", joined, {"y"}});
  return BuildGraph({"x"}, layers, {"y"});
}

// 28 parallel branches: the old layer-by-layer search visited about 3^28
// partial heads at K = 2. Every two-tensor cut holds the fork's output and one
// branch cut after its first or second layer: 28 * 2 of them.
TEST(CutFinder, WideFanOutFindsEveryBranchCut) {
  const LayerGraph g = FanOut(28);
  EXPECT_EQ(FindCuts(g, {.max_cut_tensors = 1}).size(), 1U);  // after the fork
  const auto cuts = FindCuts(g, {.max_cut_tensors = 2});
  ASSERT_EQ(cuts.size(), 57U);
  for (size_t i = 1; i < cuts.size(); ++i) {
    EXPECT_EQ(cuts[i].crossing.size(), 2U);
    EXPECT_EQ(g.tensor(cuts[i].crossing[0]).name, "f");
  }
  EXPECT_EQ(cuts.back().head_size(), 3U);  // fork, a27, b27
}

TEST(CutFinder, FanOutMatchesBruteForceForEveryK) {
  const LayerGraph g = FanOut(6);
  for (int k = 1; k <= 5; ++k) {
    EXPECT_EQ(HeadNameSets(g, FindCuts(g, {.max_cut_tensors = k})), BruteForceCuts(g, k)) << "K = " << k;
  }
}

}  // namespace
}  // namespace dnnpart
