// The load-time evaluator on random small nodes: every covered operator with
// random input counts, element types, shapes, values, attributes and opsets
// must return consistent values, return nullopt or throw dnnpart::Error —
// never crash, hang or throw anything else. Fixed seeds, so failures reproduce.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>
#include <random>
#include <string_view>

#include "dnnpart/error.h"
#include "evaluator/evaluate.h"
#include "evaluator_builders.h"

namespace dnnpart {
namespace {

using onnx::TensorProto;

class RandomNodes {
 public:
  explicit RandomNodes(uint32_t seed) : rng_(seed) {}

  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  TensorValue Value() {
    static const int32_t kTypes[] = {TensorProto::INT64, TensorProto::INT32,  TensorProto::FLOAT,   TensorProto::BOOL,
                                     TensorProto::UINT8, TensorProto::DOUBLE, TensorProto::FLOAT16, TensorProto::INT8};
    TensorValue value;
    value.elem_type = kTypes[Int(0, 7)];
    const int64_t rank = Int(0, 3);
    int64_t count = 1;
    for (int64_t d = 0; d < rank; ++d) {
      value.shape.push_back(Int(0, 5) == 0 ? 0 : Int(1, 3));
      count *= value.shape.back();
    }
    for (int64_t i = 0; i < count; ++i) {
      if (value.elem_type == TensorProto::BOOL) {
        value.ints.push_back(Int(0, 1));
      } else if (value.elem_type == TensorProto::UINT8) {
        value.ints.push_back(Int(0, 4));
      } else if (value.is_real()) {
        value.reals.push_back(Int(0, 20) == 0 ? std::nan("") : static_cast<double>(Int(-10, 10)) / 4);
      } else {
        value.ints.push_back(Int(0, 20) == 0 ? std::numeric_limits<int64_t>::min() /
                                                   (value.elem_type == TensorProto::INT64 ? 1 : 1LL << 40)
                                             : Int(-4, 4));
      }
    }
    if (value.elem_type == TensorProto::INT8) {
      for (int64_t& v : value.ints) v = static_cast<int8_t>(v);
    }
    return value;
  }

  void AddAttributes(onnx::NodeProto& node) {
    static const char* kIntNames[] = {"axis",  "keepdims",   "exclusive", "reverse",
                                      "upper", "batch_dims", "fmod",      "select_last_index",
                                      "start", "end",        "allowzero", "noop_with_empty_axes",
                                      "to"};
    static const char* kEquations[] = {"ij,jk->ik", "ii->i",  "...i->...",  "i,i", "ij",      "a...b,b...->a",
                                       "->",        "ij->ji", "i,j,k->ijk", "i.j", "...,...", "iij->"};
    static const char* kReductions[] = {"none", "add", "mul", "max", "bogus"};
    for (const char* name : kIntNames) {
      if (Int(0, 2) != 0) continue;
      onnx::AttributeProto* attribute = node.add_attribute();
      attribute->set_name(name);
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(std::string_view(name) == "to" ? Int(0, 17) : Int(-4, 4));
    }
    for (const char* name : {"axes", "perm", "split", "shape", "starts", "ends"}) {
      if (Int(0, 2) != 0) continue;
      onnx::AttributeProto* attribute = node.add_attribute();
      attribute->set_name(name);
      attribute->set_type(onnx::AttributeProto::INTS);
      for (int64_t n = Int(0, 3); n > 0; --n) attribute->add_ints(Int(-4, 4));
    }
    onnx::AttributeProto* equation = node.add_attribute();
    equation->set_name(node.op_type() == "Einsum" ? "equation" : "reduction");
    equation->set_type(onnx::AttributeProto::STRING);
    equation->set_s(node.op_type() == "Einsum" ? kEquations[Int(0, 11)] : kReductions[Int(0, 4)]);
  }

 private:
  std::mt19937 rng_;
};

void ExpectConsistent(const TensorValue& value) {
  std::optional<int64_t> count = CheckedElementCount(value.shape);
  ASSERT_TRUE(count);
  EXPECT_EQ(value.element_count(), *count);
  EXPECT_TRUE(value.is_real() ? value.ints.empty() : value.reals.empty());
}

TEST(EvaluatorRobustness, RandomNodesGiveValuesOrErrorsNeverCrashes) {
  static const int64_t kOpsets[] = {1, 9, 11, 13, 16, 18};
  RandomNodes random(20261201);
  int evaluated = 0, errors = 0;
  for (const std::string& op : test::PromisedEvaluatorOps()) {
    ASSERT_TRUE(CanEvaluate(op)) << op;
    for (int trial = 0; trial < 400; ++trial) {
      onnx::NodeProto node;
      node.set_op_type(op);
      for (int64_t n = random.Int(1, 3); n > 0; --n) node.add_output()->push_back('y');
      random.AddAttributes(node);
      std::vector<TensorValue> values;
      std::vector<const TensorValue*> inputs;
      const int64_t input_count = random.Int(0, 4);
      for (int64_t i = 0; i < input_count; ++i) values.push_back(random.Value());
      for (const TensorValue& value : values) inputs.push_back(random.Int(0, 9) == 0 ? nullptr : &value);
      try {
        const auto outputs = EvaluateNode(node, kOpsets[random.Int(0, 5)], inputs, EvalLimits{});
        if (!outputs) continue;
        ++evaluated;
        for (const TensorValue& output : *outputs) ExpectConsistent(output);
      } catch (const Error&) {
        ++errors;
      } catch (const std::exception& e) {
        ADD_FAILURE() << op << " threw a non-Error exception: " << e.what();
      }
    }
  }
  EXPECT_GT(evaluated, 1000);  // the trials reach the operators' bodies, not only their checks
  EXPECT_GT(errors, 1000);
}

}  // namespace
}  // namespace dnnpart
