// Private: the tables behind fusion-aware stage costs (docs/planning.md,
// "Fusion-aware costs"), built once per platform from the boundaries' heads
// and the fused groups' per-layer differences Σ (unfused − charged) in fixed
// point. Plain values; the planner owns one per platform and only reads it
// after building it. Included by planner.h and by the tests.
#pragma once

#include <cstdint>
#include <vector>

namespace dnnpart::planner_detail {

using Fixed = int64_t;  // a latency or energy in the planner's quanta (planner.h)

struct FixedCost {
  Fixed latency = 0;
  Fixed energy = 0;
};

// The heads of boundaries 0..B−1 as Planner::PrepareMasks stores them: head b
// holds every topological position below begin[b], the positions p in
// [begin[b], end[b]) whose flag partial[b][p − begin[b]] is set, and nothing
// from end[b] on (end[b] ≤ begin[b]: no partial range).
struct HeadLayout {
  const std::vector<int32_t>& begin;
  const std::vector<int32_t>& end;
  const std::vector<std::vector<bool>>& partial;
};

// One platform's fused groups: per group its layers' topological positions
// (ascending) and, in the same order, each layer's unfused cost minus its
// charge.
struct FusedGroupCosts {
  std::vector<std::vector<int32_t>> positions;
  std::vector<std::vector<FixedCost>> differences;
};

struct FusionSplit {
  int32_t group = 0;
  FixedCost head;  // Σ (unfused − charged) over the group's layers in the head
  bool operator==(const FusionSplit& o) const {
    return group == o.group && head.latency == o.head.latency && head.energy == o.head.energy;
  }
};

// Per boundary b, the groups it splits (some but not all of their layers in
// head(b)) with D_b(g), the Σ (unfused − charged) over the part in the head;
// `in` and `out` sum each boundary's max(0, D_b(g)) and max(0, D(g) − D_b(g)).
struct FusionSplits {
  std::vector<FixedCost> total;     // per group: D(g), over all its layers
  std::vector<int32_t> begin;       // per boundary: its splits are [begin[b], begin[b + 1])
  std::vector<FusionSplit> splits;  // by boundary, then group
  std::vector<FixedCost> in;        // per boundary
  std::vector<FixedCost> out;       // per boundary
  bool SameCosts(const FusionSplits& o) const;
  // The extra of the stage from boundary `from` to `to` (head(from) ⊂
  // head(to)): in(to) + out(from), corrected for the groups both split.
  FixedCost StageExtra(int from, int to) const;
};

// Builds the tables in O(B log B + L + Σ_b (partial range of b) + S log S)
// for B boundaries, L topological positions and S splits: a sweep over the
// positions in the order of the heads' begin keeps the groups with layers on
// both sides. On a chain of prefix cuts whose groups are contiguous in the
// order (every kernel a runtime fuses on a chain), a boundary splits at most
// one group, so S ≤ B and the whole costs O((B + L) log B).
FusionSplits SplitFusedGroups(const HeadLayout& heads, const FusedGroupCosts& groups, int32_t positions);

}  // namespace dnnpart::planner_detail
