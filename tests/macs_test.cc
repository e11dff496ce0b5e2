#include <gtest/gtest.h>

#include "macs.h"

namespace dnnpart {
namespace {

OpDescription Op(std::string type, std::vector<std::optional<Shape>> inputs, std::vector<Shape> outputs,
                 std::map<std::string, std::vector<int64_t>> attributes = {},
                 std::map<std::string, std::string> strings = {}) {
  return OpDescription{std::move(type), std::move(inputs), std::move(outputs), std::move(attributes),
                       std::move(strings)};
}

// An op with only string attributes.
OpDescription OpS(std::string type, std::vector<std::optional<Shape>> inputs, std::vector<Shape> outputs,
                  std::map<std::string, std::string> strings) {
  return Op(std::move(type), std::move(inputs), std::move(outputs), {}, std::move(strings));
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

TEST(Macs, MatMulCountsBroadcastBatchDimsOfEitherSide) {
  // B broadcasts over A's batch dims: [1,16,64] x [4,64,32] -> [4,16,32].
  EXPECT_EQ(CountMacs(Op("MatMul", {Shape{1, 16, 64}, Shape{4, 64, 32}}, {{4, 16, 32}})).macs, 4LL * 16 * 32 * 64);
  // A 2-D B against a batched A: [2,8,16,64] x [64,32] -> [2,8,16,32].
  EXPECT_EQ(CountMacs(Op("MatMul", {Shape{2, 8, 16, 64}, Shape{64, 32}}, {{2, 8, 16, 32}})).macs, 524288);
  // A 1-D A is a row vector: [64] x [64,32] -> [32].
  EXPECT_EQ(CountMacs(Op("MatMul", {Shape{64}, Shape{64, 32}}, {{32}})).macs, 2048);
}

TEST(Macs, ConvAndConvTransposeHoldFor1DAnd3D) {
  // 1-D: 8 outputs channels x 96 positions, each 4 channels x 5 taps.
  EXPECT_EQ(CountMacs(Op("Conv", {Shape{1, 4, 100}, Shape{8, 4, 5}}, {{1, 8, 96}})).macs, 15360);
  // 3-D: 4 x 6x6x6 outputs, each 2 channels x 3x3x3 taps.
  EXPECT_EQ(CountMacs(Op("Conv", {Shape{1, 2, 8, 8, 8}, Shape{4, 2, 3, 3, 3}}, {{1, 4, 6, 6, 6}})).macs, 46656);
  // ConvTranspose 1-D: 40 inputs x 2 output channels x 3 taps.
  EXPECT_EQ(CountMacs(Op("ConvTranspose", {Shape{1, 4, 10}, Shape{4, 2, 3}}, {{1, 2, 22}})).macs, 240);
  // ConvTranspose 3-D: 128 inputs x 3 output channels x 2x2x2 taps.
  EXPECT_EQ(CountMacs(Op("ConvTranspose", {Shape{1, 2, 4, 4, 4}, Shape{2, 3, 2, 2, 2}}, {{1, 3, 8, 8, 8}})).macs, 3072);
}

TEST(Macs, EinsumCountsTheIterationSpaceWhenALetterIsSummed) {
  // Batched matmul: b=2, i=3, j=4 (summed), k=5.
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{2, 3, 4}, Shape{2, 4, 5}}, {{2, 3, 5}}, {{"equation", "bij,bjk->bik"}})).macs,
            120);
  // Implicit output "ik": j is seen twice, so it is summed.
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{3, 4}, Shape{4, 5}}, {{3, 5}}, {{"equation", "ij, jk"}})).macs, 60);
  // Attention scores: b=1, h=2, q=8, k=8, d=16 (summed).
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{1, 2, 8, 16}, Shape{1, 2, 8, 16}}, {{1, 2, 8, 8}},
                          {{"equation", "bhqd,bhkd->bhqk"}}))
                .macs,
            2048);
  // "..." broadcasts [2,3] with [3]: 2*3 x i=4 x j=5 x k=6.
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{2, 3, 4, 5}, Shape{3, 5, 6}}, {{2, 3, 4, 6}},
                          {{"equation", "...ij,...jk->...ik"}}))
                .macs,
            720);
  // One operand: a trace sums 4 elements, a full sum 12.
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{4, 4}}, {{}}, {{"equation", "ii->"}})).macs, 4);
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{3, 4}}, {{}}, {{"equation", "ij->"}})).macs, 12);
}

TEST(Macs, EinsumWithoutSummationIsATransposeOrAProduct) {
  const auto transpose = CountMacs(OpS("Einsum", {Shape{3, 4}}, {{4, 3}}, {{"equation", "ij->ji"}}));
  EXPECT_TRUE(transpose.modelled);
  EXPECT_EQ(transpose.macs, 0);
  EXPECT_EQ(CountMacs(OpS("Einsum", {Shape{3, 4}, Shape{3, 4}}, {{3, 4}}, {{"equation", "ij,ij->ij"}})).macs, 12);
}

TEST(Macs, EinsumThatDoesNotFitItsInputsIsNotModelled) {
  EXPECT_FALSE(CountMacs(OpS("Einsum", {Shape{3, 4}}, {{3, 5}}, {{"equation", "ij,jk->ik"}})).modelled);
  EXPECT_FALSE(CountMacs(OpS("Einsum", {Shape{3, 4, 5}}, {{3}}, {{"equation", "ij->i"}})).modelled);
  EXPECT_FALSE(CountMacs(Op("Einsum", {Shape{3, 4}}, {{4, 3}})).modelled);  // no equation
}

TEST(Macs, AttentionCountsBothMatMulsAndTheSoftmax) {
  // B=2, H=4, S_q=16, S_kv=24, D=32: 2*B*H*S_q*S_kv*D + 3*B*H*S_q*S_kv.
  const int64_t expected = 2LL * 2 * 4 * 16 * 24 * 32 + 3LL * 2 * 4 * 16 * 24;
  EXPECT_EQ(CountMacs(Op("Attention", {Shape{2, 4, 16, 32}, Shape{2, 4, 24, 32}, Shape{2, 4, 24, 32}},
                         {{2, 4, 16, 32}}))
                .macs,
            expected);
  // The same in 3-D layout ([B, S, H*D]) with q_num_heads = 4.
  EXPECT_EQ(CountMacs(Op("Attention", {Shape{2, 16, 128}, Shape{2, 24, 128}, Shape{2, 24, 128}}, {{2, 16, 128}},
                         {{"q_num_heads", {4}}}))
                .macs,
            expected);
}

TEST(Macs, AttentionAttendsOverPastKeysToo) {
  // One new token, 9 cached: S_kv = 10; B=1, H=2, D=8: 16*10 + 3*2*10 + 16*10.
  const auto count = CountMacs(Op("Attention",
                                  {Shape{1, 2, 1, 8}, Shape{1, 2, 1, 8}, Shape{1, 2, 1, 8}, std::nullopt, Shape{1, 2, 9, 8}},
                                  {{1, 2, 1, 8}}));
  EXPECT_EQ(count.macs, 380);
}

TEST(Macs, AttentionWithoutHeadsOrWithAWeightInputIsNotModelled) {
  EXPECT_FALSE(CountMacs(Op("Attention", {Shape{2, 16, 128}, Shape{2, 24, 128}}, {{2, 16, 128}})).modelled);
  // com.microsoft's Attention: input 1 is a [hidden, 3*hidden] weight.
  EXPECT_FALSE(CountMacs(Op("Attention", {Shape{2, 16, 128}, Shape{128, 384}}, {{2, 16, 128}})).modelled);
}

TEST(Macs, LstmCountsFourGateGemmsAndPointwiseMathPerStep) {
  // S=10, B=2, I=32, H=16, one direction: 4*16*(32+16) + 8*16 = 3200 per step.
  EXPECT_EQ(CountMacs(Op("LSTM", {Shape{10, 2, 32}, Shape{1, 64, 32}, Shape{1, 64, 16}}, {{10, 1, 2, 16}},
                         {{"hidden_size", {16}}}))
                .macs,
            10LL * 2 * 3200);
  // Bidirectional, batch-first layout: X = [B=2, S=10, I=32].
  EXPECT_EQ(CountMacs(Op("LSTM", {Shape{2, 10, 32}, Shape{2, 64, 32}, Shape{2, 64, 16}}, {{2, 10, 2, 16}},
                         {{"hidden_size", {16}}, {"layout", {1}}}))
                .macs,
            2LL * 10 * 2 * 3200);
}

TEST(Macs, GruAndRnnCountTheirGateGemmsPerStep) {
  // GRU: S=5, B=1, I=8, H=16: 3*16*(8+16) + 6*16 = 1248 per step.
  EXPECT_EQ(CountMacs(Op("GRU", {Shape{5, 1, 8}, Shape{1, 48, 8}, Shape{1, 48, 16}}, {{5, 1, 1, 16}},
                         {{"hidden_size", {16}}}))
                .macs,
            6240);
  // RNN: S=4, B=3, I=10, H=20 (from R without hidden_size): 20*(10+20) + 20 = 620 per step.
  EXPECT_EQ(CountMacs(Op("RNN", {Shape{4, 3, 10}, Shape{1, 20, 10}, Shape{1, 20, 20}}, {{4, 1, 3, 20}})).macs, 7440);
  EXPECT_FALSE(CountMacs(Op("RNN", {Shape{4, 3, 10}, Shape{1, 20, 10}}, {{4, 1, 3, 20}})).modelled);
  const auto negative = CountMacs(Op("RNN", {Shape{4, 3, 10}, Shape{1, 20, 10}, Shape{1, 20, 20}}, {{4, 1, 3, 20}},
                                     {{"hidden_size", {-1}}}));
  EXPECT_FALSE(negative.modelled);
  EXPECT_FALSE(negative.overflow);
}

TEST(Macs, ResizeCountsTapsPerInterpolatedAxis) {
  const Shape in{1, 3, 10, 10};
  const Shape out{1, 3, 20, 20};  // 1200 elements, 2 axes resized
  EXPECT_EQ(CountMacs(OpS("Resize", {in}, {out}, {{"mode", "linear"}})).macs, 1200 * 4);
  EXPECT_EQ(CountMacs(OpS("Resize", {in}, {out}, {{"mode", "cubic"}})).macs, 1200 * 16);
  EXPECT_EQ(CountMacs(OpS("Resize", {in}, {{1, 3, 10, 20}}, {{"mode", "linear"}})).macs, 600 * 2);
  EXPECT_EQ(CountMacs(OpS("Resize", {Shape{1, 2, 4, 4, 4}}, {{1, 2, 8, 8, 8}}, {{"mode", "linear"}})).macs, 1024 * 8);
  EXPECT_EQ(CountMacs(OpS("Upsample", {in}, {out}, {{"mode", "bilinear"}})).macs, 1200 * 4);
}

TEST(Macs, NearestResizeIsDataMovement) {
  const auto nearest = CountMacs(OpS("Resize", {Shape{1, 3, 10, 10}}, {{1, 3, 20, 20}}, {{"mode", "nearest"}}));
  EXPECT_TRUE(nearest.modelled);
  EXPECT_EQ(nearest.macs, 0);
  EXPECT_EQ(CountMacs(Op("Resize", {Shape{1, 3, 10, 10}}, {{1, 3, 20, 20}})).macs, 0);  // nearest is the default
  EXPECT_FALSE(CountMacs(OpS("Resize", {Shape{1, 3, 10, 10}}, {{1, 3, 20, 20}}, {{"mode", "area"}})).modelled);
}

TEST(Macs, GridSampleInterpolatesEverySpatialAxis) {
  // Y = [1,3,5,5]: 75 elements.
  const std::vector<std::optional<Shape>> inputs{Shape{1, 3, 10, 10}, Shape{1, 5, 5, 2}};
  EXPECT_EQ(CountMacs(Op("GridSample", inputs, {{1, 3, 5, 5}})).macs, 75 * 4);  // linear is the default
  EXPECT_EQ(CountMacs(OpS("GridSample", inputs, {{1, 3, 5, 5}}, {{"mode", "bicubic"}})).macs, 75 * 16);
  EXPECT_EQ(CountMacs(OpS("GridSample", inputs, {{1, 3, 5, 5}}, {{"mode", "nearest"}})).macs, 0);
  // Volumetric: Y = [1,2,3,3,3], 54 elements x 8 taps.
  EXPECT_EQ(CountMacs(Op("GridSample", {Shape{1, 2, 4, 4, 4}, Shape{1, 3, 3, 3, 3}}, {{1, 2, 3, 3, 3}})).macs, 432);
}

TEST(Macs, TopKComparesEveryInputLogKTimes) {
  EXPECT_EQ(CountMacs(Op("TopK", {Shape{1, 1000}, Shape{1}}, {{1, 5}})).macs, 1000 * 3);  // ceil(log2 5) = 3
  EXPECT_EQ(CountMacs(Op("TopK", {Shape{1, 1000}, Shape{1}}, {{1, 8}})).macs, 1000 * 3);
  EXPECT_EQ(CountMacs(Op("TopK", {Shape{1, 1000}, Shape{1}}, {{1, 1}})).macs, 1000);  // a max still compares all
  EXPECT_EQ(CountMacs(Op("TopK", {Shape{10, 4}, Shape{1}}, {{3, 4}}, {{"axis", {0}}})).macs, 40 * 2);
}

TEST(Macs, NonMaxSuppressionTestsEveryBoxPairPerClass) {
  // 1 batch, 100 boxes, 80 classes.
  EXPECT_EQ(CountMacs(Op("NonMaxSuppression", {Shape{1, 100, 4}, Shape{1, 80, 100}}, {{0, 3}})).macs,
            80LL * 100 * 100);
}

TEST(Macs, ScatterCostsOnlyWithAReduction) {
  const std::vector<std::optional<Shape>> inputs{Shape{10, 4}, Shape{3, 1}, Shape{3, 4}};
  const auto write = CountMacs(Op("ScatterND", inputs, {{10, 4}}));
  EXPECT_TRUE(write.modelled);
  EXPECT_EQ(write.macs, 0);
  EXPECT_EQ(CountMacs(OpS("ScatterND", inputs, {{10, 4}}, {{"reduction", "add"}})).macs, 12);
  EXPECT_EQ(CountMacs(OpS("ScatterElements", inputs, {{10, 4}}, {{"reduction", "mul"}})).macs, 12);
}

TEST(Macs, NormalizationsCountPerOutputElement) {
  EXPECT_EQ(CountMacs(Op("GroupNormalization", {Shape{1, 8, 4, 4}, Shape{2}, Shape{2}}, {{1, 8, 4, 4}})).macs, 384);
  EXPECT_EQ(CountMacs(Op("InstanceNormalization", {Shape{1, 8, 4, 4}, Shape{8}, Shape{8}}, {{1, 8, 4, 4}})).macs, 384);
  EXPECT_EQ(CountMacs(Op("LogSoftmax", {Shape{2, 5}}, {{2, 5}})).macs, 30);
  EXPECT_EQ(CountMacs(Op("RMSNormalization", {Shape{1, 10}, Shape{10}}, {{1, 10}})).macs, 20);
}

TEST(Macs, ModernElementwiseAndShapeOpsAreModelled) {
  EXPECT_EQ(CountMacs(Op("Gelu", {Shape{1, 10}}, {{1, 10}})).macs, 10);
  EXPECT_EQ(CountMacs(Op("Erf", {Shape{1, 10}}, {{1, 10}})).macs, 10);
  EXPECT_EQ(CountMacs(Op("CumSum", {Shape{2, 5}, Shape{}}, {{2, 5}})).macs, 10);
  EXPECT_EQ(CountMacs(Op("Where", {Shape{2, 5}, Shape{2, 5}, Shape{1}}, {{2, 5}})).macs, 10);
  EXPECT_EQ(CountMacs(Op("Range", {Shape{}, Shape{}, Shape{}}, {{7}})).macs, 7);
  EXPECT_EQ(CountMacs(Op("NonZero", {Shape{3, 4}}, {{2, 5}})).macs, 12);
  for (const char* type : {"ConstantOfShape", "Shape", "Size", "Trilu", "OneHot", "Expand", "Tile", "DepthToSpace"}) {
    const auto count = CountMacs(Op(type, {Shape{2, 3}}, {{2, 3}}));
    EXPECT_TRUE(count.modelled) << type;
    EXPECT_EQ(count.macs, 0) << type;
  }
}

TEST(Macs, NewFormulasReportOverflow) {
  const int64_t big = int64_t{1} << 30;
  EXPECT_TRUE(CountMacs(Op("LSTM", {Shape{big, big, 4}, Shape{1, 4 * big, 4}, Shape{1, 4 * big, big}}, {{1}},
                           {{"hidden_size", {big}}}))
                  .overflow);
  EXPECT_TRUE(CountMacs(OpS("Einsum", {Shape{big, big}, Shape{big, big}}, {{big, big}}, {{"equation", "ij,jk->ik"}}))
                  .overflow);
  EXPECT_TRUE(CountMacs(Op("Attention", {Shape{big, 1, big, 4}, Shape{big, 1, big, 4}}, {{big, 1, big, 4}})).overflow);
}

}  // namespace
}  // namespace dnnpart
