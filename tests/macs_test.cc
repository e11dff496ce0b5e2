#include <gtest/gtest.h>

#include "macs.h"

namespace dnnpart {
namespace {

OpDescription Op(std::string type, std::vector<std::optional<Shape>> inputs, std::vector<Shape> outputs,
                 std::map<std::string, std::vector<int64_t>> attributes = {}) {
  return OpDescription{std::move(type), std::move(inputs), std::move(outputs), std::move(attributes)};
}

TEST(Macs, ConvCountsInputChannelsTimesKernelPerOutput) {
  // 3x3 conv, 16 -> 32 channels, 56x56 output: 32*56*56 * 16*3*3.
  const auto count = CountMacs(Op("Conv", {Shape{1, 16, 56, 56}, Shape{32, 16, 3, 3}}, {{1, 32, 56, 56}}));
  EXPECT_TRUE(count.modelled);
  EXPECT_EQ(count.macs, 32LL * 56 * 56 * 16 * 9);
}

TEST(Macs, GroupedAndDepthwiseConvUseWeightChannelsPerGroup) {
  // Depthwise: W = [32, 1, 3, 3], stride 2 -> output 28x28.
  const auto dw = CountMacs(Op("Conv", {Shape{1, 32, 56, 56}, Shape{32, 1, 3, 3}}, {{1, 32, 28, 28}},
                               {{"group", {32}}, {"strides", {2, 2}}}));
  EXPECT_EQ(dw.macs, 32LL * 28 * 28 * 9);
  // Dilation changes the output size (given) but not the per-output work.
  const auto dilated = CountMacs(Op("Conv", {Shape{1, 8, 20, 20}, Shape{8, 8, 3, 3}}, {{1, 8, 16, 16}},
                                    {{"dilations", {2, 2}}}));
  EXPECT_EQ(dilated.macs, 8LL * 16 * 16 * 8 * 9);
}

TEST(Macs, ConvTransposeScattersEveryInput) {
  // W = [Cin=16, Cout/group=8, 2, 2]: each of 16*10*10 inputs touches 8*4 outputs.
  const auto count = CountMacs(Op("ConvTranspose", {Shape{1, 16, 10, 10}, Shape{16, 8, 2, 2}}, {{1, 8, 20, 20}}));
  EXPECT_EQ(count.macs, 16LL * 10 * 10 * 8 * 4);
}

TEST(Macs, GemmHonoursTransA) {
  EXPECT_EQ(CountMacs(Op("Gemm", {Shape{1, 1280}, Shape{1000, 1280}}, {{1, 1000}}, {{"transB", {1}}})).macs,
            1000LL * 1280);
  EXPECT_EQ(CountMacs(Op("Gemm", {Shape{64, 4}, Shape{64, 10}}, {{4, 10}}, {{"transA", {1}}})).macs, 4LL * 10 * 64);
}

TEST(Macs, BatchedMatMulMultipliesBatchDims) {
  const auto count = CountMacs(Op("MatMul", {Shape{2, 8, 16, 64}, Shape{2, 8, 64, 16}}, {{2, 8, 16, 16}}));
  EXPECT_EQ(count.macs, 2LL * 8 * 16 * 16 * 64);
}

TEST(Macs, PoolingCountsTheWindow) {
  EXPECT_EQ(CountMacs(Op("MaxPool", {Shape{1, 64, 112, 112}}, {{1, 64, 56, 56}}, {{"kernel_shape", {3, 3}}})).macs,
            64LL * 56 * 56 * 9);
  EXPECT_EQ(CountMacs(Op("GlobalAveragePool", {Shape{1, 1280, 7, 7}}, {{1, 1280, 1, 1}})).macs, 1280LL * 49);
}

TEST(Macs, NormalizationAndElementwise) {
  EXPECT_EQ(CountMacs(Op("BatchNormalization", {Shape{1, 4, 2, 2}}, {{1, 4, 2, 2}})).macs, 16);
  EXPECT_EQ(CountMacs(Op("Add", {Shape{1, 4, 2, 2}, Shape{1, 4, 2, 2}}, {{1, 4, 2, 2}})).macs, 16);
  EXPECT_EQ(CountMacs(Op("Softmax", {Shape{1, 10}}, {{1, 10}})).macs, 30);
  EXPECT_EQ(CountMacs(Op("LayerNormalization", {Shape{1, 10}}, {{1, 10}})).macs, 30);
}

TEST(Macs, DataMovementIsModelledAsZero) {
  const auto count = CountMacs(Op("Reshape", {Shape{1, 4}, Shape{2}}, {{4, 1}}));
  EXPECT_TRUE(count.modelled);
  EXPECT_EQ(count.macs, 0);
}

// Counts that do not fit in int64 say so instead of wrapping around.
TEST(Macs, OverflowIsReportedNotWrapped) {
  const int64_t big = int64_t{1} << 20;
  const auto conv = CountMacs(Op("Conv", {Shape{1, big, big, big}, Shape{big, big, 3, 3}}, {{1, big, big, big}}));
  EXPECT_TRUE(conv.overflow);
  EXPECT_EQ(conv.macs, 0);
  const auto add = CountMacs(Op("Add", {Shape{big, big, big, big}}, {{big, big, big, big}}));
  EXPECT_TRUE(add.overflow);
  const auto fits = CountMacs(Op("Add", {Shape{big, big}}, {{big, big}}));
  EXPECT_FALSE(fits.overflow);
  EXPECT_EQ(fits.macs, big * big);
}

TEST(Macs, UnknownOpIsNotModelled) {
  const auto count = CountMacs(Op("NonMaxSuppression", {Shape{1, 4}}, {{1, 4}}));
  EXPECT_FALSE(count.modelled);
  EXPECT_EQ(count.macs, 0);
}

TEST(Macs, ConvWithUnknownWeightShapeIsNotModelled) {
  EXPECT_FALSE(CountMacs(Op("Conv", {Shape{1, 3, 8, 8}, std::nullopt}, {{1, 4, 8, 8}})).modelled);
}

}  // namespace
}  // namespace dnnpart
