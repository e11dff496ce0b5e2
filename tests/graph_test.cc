#include <gtest/gtest.h>

#include "dnnpart/error.h"
#include "dnnpart/graph.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::BuildGraph;

TEST(LayerGraph, KeepsFileOrderWhenAlreadySorted) {
  const LayerGraph g = BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"B", {"x"}, {"b"}}, {"C", {"a", "b"}, {"c"}}}, {"c"});
  EXPECT_EQ(g.topological_order(), (std::vector<LayerId>{0, 1, 2}));
  EXPECT_EQ(g.topo_position(2), 2);
}

TEST(LayerGraph, SortsNodesListedOutOfOrder) {
  const LayerGraph g = BuildGraph({"x"}, {{"C", {"b"}, {"c"}}, {"B", {"a"}, {"b"}}, {"A", {"x"}, {"a"}}}, {"c"});
  EXPECT_EQ(g.topological_order(), (std::vector<LayerId>{2, 1, 0}));
}

TEST(LayerGraph, NeighboursAreDistinctAndSorted) {
  const LayerGraph g = BuildGraph({"x"}, {{"A", {"x"}, {"a", "a2"}}, {"B", {"a", "a2"}, {"b"}}}, {"b"});
  EXPECT_EQ(g.successors(0), (std::vector<LayerId>{1}));
  EXPECT_EQ(g.predecessors(1), (std::vector<LayerId>{0}));
  EXPECT_EQ(g.tensor(*g.FindTensor("a")).consumers, (std::vector<LayerId>{1}));
}

TEST(LayerGraph, TensorBytesFollowShapeAndType) {
  LayerGraph::Builder builder;
  const TensorId x = builder.AddTensor("x", DType::kFloat16, {1, 3, 224, 224});
  const TensorId y = builder.AddTensor("y", DType::kInt8, {1, 10});
  builder.MarkGraphInput(x);
  Layer layer;
  layer.name = "L";
  layer.inputs = {x};
  layer.outputs = {y};
  builder.AddLayer(layer);
  builder.MarkGraphOutput(y);
  const LayerGraph g = std::move(builder).Build();
  EXPECT_EQ(g.tensor(x).bytes, 2 * 3 * 224 * 224);
  EXPECT_EQ(g.tensor(y).bytes, 10);
  EXPECT_TRUE(g.tensor(x).is_graph_input);
  EXPECT_EQ(g.tensor(y).producer, 0);
}

TEST(LayerGraph, CycleIsAnErrorNamingANodeOnIt) {
  try {
    BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"B", {"a", "c"}, {"b"}}, {"C", {"b"}, {"c"}}}, {"b"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cycle"), std::string::npos) << message;
    EXPECT_TRUE(message.find("'B'") != std::string::npos || message.find("'C'") != std::string::npos) << message;
  }
}

TEST(LayerGraph, InputWithoutProducerIsAnError) {
  EXPECT_THROW(BuildGraph({"x"}, {{"A", {"ghost"}, {"a"}}}, {"a"}), Error);
}

TEST(LayerGraph, TwoProducersOfOneTensorIsAnError) {
  EXPECT_THROW(BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"B", {"x"}, {"a"}}}, {"a"}), Error);
}

TEST(LayerGraph, DuplicateNamesAreAnError) {
  LayerGraph::Builder tensors;
  const TensorId x = tensors.AddTensor("x", DType::kFloat32, {1});
  tensors.AddTensor("x", DType::kFloat32, {1});
  tensors.MarkGraphInput(x);
  EXPECT_THROW(std::move(tensors).Build(), Error);
  EXPECT_THROW(BuildGraph({"x"}, {{"A", {"x"}, {"a"}}, {"A", {"a"}, {"b"}}}, {"b"}), Error);
}

TEST(LayerGraph, FindsLayersAndTensorsByName) {
  const LayerGraph g = BuildGraph({"x"}, {{"A", {"x"}, {"a"}}}, {"a"});
  EXPECT_EQ(g.FindLayer("A"), std::optional<LayerId>(0));
  EXPECT_FALSE(g.FindLayer("Z").has_value());
  EXPECT_TRUE(g.FindTensor("x").has_value());
}

}  // namespace
}  // namespace dnnpart
