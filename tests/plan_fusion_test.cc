// The fusion split tables (src/plan_fusion.h) against a direct computation
// from their definition (docs/planning.md, "Fusion-aware costs"): for every
// boundary and every group, count the group's layers in the head and sum
// their differences; for every stage, sum max(0, Σ over its part) over the
// groups it splits. Heads are prefixes of chains and down-closures of random
// DAGs, groups random sets of layers, so groups cross cuts in every way.
#include "planner/plan_fusion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace dnnpart::planner_detail {
namespace {

// Heads as sets of topological positions, and the layout the planner keeps.
struct Heads {
  std::vector<std::vector<bool>> in;  // per boundary, per position
  std::vector<int32_t> begin;
  std::vector<int32_t> end;
  std::vector<std::vector<bool>> partial;

  void Add(const std::vector<bool>& head) {
    const auto n = static_cast<int32_t>(head.size());
    int32_t first_out = 0, last_in = -1;
    while (first_out < n && head[static_cast<size_t>(first_out)]) ++first_out;
    for (int32_t pos = 0; pos < n; ++pos) {
      if (head[static_cast<size_t>(pos)]) last_in = pos;
    }
    in.push_back(head);
    begin.push_back(first_out);
    std::vector<bool> flags;
    if (last_in >= first_out) {
      end.push_back(last_in + 1);
      for (int32_t pos = first_out; pos <= last_in; ++pos) flags.push_back(head[static_cast<size_t>(pos)]);
    } else {
      end.push_back(first_out);
    }
    partial.push_back(flags);
  }
};

// Random disjoint groups of 2–5 layers anywhere in the order (about half the
// layers grouped), differences of either sign.
FusedGroupCosts RandomGroups(int32_t n, std::mt19937& rng) {
  std::vector<int32_t> free(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) free[static_cast<size_t>(i)] = i;
  std::shuffle(free.begin(), free.end(), rng);
  FusedGroupCosts groups;
  std::uniform_int_distribution<int64_t> difference(-40, 100);
  size_t next = 0;
  while (next < free.size() / 2) {
    const size_t size = std::min<size_t>(2 + rng() % 4, free.size() - next);
    if (size < 2) break;
    std::vector<int32_t> positions(free.begin() + static_cast<long>(next), free.begin() + static_cast<long>(next + size));
    next += size;
    // Half the groups are neighbours in the order, as runtimes fuse them.
    if (rng() % 2 == 0) {
      const auto start = static_cast<int32_t>(rng() % static_cast<uint32_t>(n));
      positions.clear();
      for (int32_t pos = start; pos < std::min(n, start + static_cast<int32_t>(size)); ++pos) {
        bool taken = false;
        for (const auto& g : groups.positions) taken = taken || std::count(g.begin(), g.end(), pos) > 0;
        if (!taken) positions.push_back(pos);
      }
      if (positions.size() < 2) continue;
    }
    std::sort(positions.begin(), positions.end());
    bool overlaps = false;
    for (const auto& g : groups.positions) {
      for (const int32_t pos : positions) overlaps = overlaps || std::count(g.begin(), g.end(), pos) > 0;
    }
    if (overlaps) continue;
    std::vector<FixedCost> differences;
    for (size_t k = 0; k < positions.size(); ++k) differences.push_back({difference(rng), difference(rng)});
    groups.positions.push_back(positions);
    groups.differences.push_back(differences);
  }
  return groups;
}

// Boundary 0 empty, the last one everything; chains cut between random
// positions, DAGs (edges from earlier to later positions) at down-closures
// of random layers.
Heads RandomHeads(int32_t n, bool chain, std::mt19937& rng) {
  Heads heads;
  heads.Add(std::vector<bool>(static_cast<size_t>(n), false));
  std::vector<std::vector<int32_t>> inputs(static_cast<size_t>(n));
  for (int32_t j = 1; j < n; ++j) {
    for (int32_t i = std::max(0, j - 6); i < j; ++i) {
      if (rng() % 4 == 0) inputs[static_cast<size_t>(j)].push_back(i);
    }
  }
  std::set<std::vector<bool>> seen;
  for (int k = 0; k < 12; ++k) {
    std::vector<bool> head(static_cast<size_t>(n), false);
    if (chain) {
      const auto cut = static_cast<int32_t>(1 + rng() % static_cast<uint32_t>(n - 1));
      for (int32_t pos = 0; pos < cut; ++pos) head[static_cast<size_t>(pos)] = true;
    } else {
      for (int r = 0; r < 2; ++r) head[rng() % static_cast<uint32_t>(n)] = true;
      for (int32_t j = n - 1; j >= 0; --j) {
        if (!head[static_cast<size_t>(j)]) continue;
        for (const int32_t i : inputs[static_cast<size_t>(j)]) head[static_cast<size_t>(i)] = true;
      }
    }
    if (seen.insert(head).second) heads.Add(head);
  }
  heads.Add(std::vector<bool>(static_cast<size_t>(n), true));
  return heads;
}

struct Direct {
  std::vector<std::vector<FusionSplit>> splits;  // per boundary, by group
  std::vector<FixedCost> in, out;
};

Direct DirectTables(const Heads& heads, const FusedGroupCosts& groups) {
  Direct direct;
  for (const auto& head : heads.in) {
    std::vector<FusionSplit> splits;
    FixedCost in, out;
    for (size_t g = 0; g < groups.positions.size(); ++g) {
      FixedCost part, all;
      size_t inside = 0;
      for (size_t k = 0; k < groups.positions[g].size(); ++k) {
        const FixedCost& d = groups.differences[g][k];
        all.latency += d.latency, all.energy += d.energy;
        if (!head[static_cast<size_t>(groups.positions[g][k])]) continue;
        ++inside;
        part.latency += d.latency, part.energy += d.energy;
      }
      if (inside == 0 || inside == groups.positions[g].size()) continue;
      splits.push_back(FusionSplit{static_cast<int32_t>(g), part});
      in.latency += std::max<Fixed>(0, part.latency), in.energy += std::max<Fixed>(0, part.energy);
      out.latency += std::max<Fixed>(0, all.latency - part.latency);
      out.energy += std::max<Fixed>(0, all.energy - part.energy);
    }
    direct.splits.push_back(splits);
    direct.in.push_back(in);
    direct.out.push_back(out);
  }
  return direct;
}

// Σ over the groups the stage runs part of: max(0, Σ differences over the part).
FixedCost DirectExtra(const std::vector<bool>& from, const std::vector<bool>& to, const FusedGroupCosts& groups) {
  FixedCost extra;
  for (size_t g = 0; g < groups.positions.size(); ++g) {
    FixedCost part;
    size_t runs = 0;
    for (size_t k = 0; k < groups.positions[g].size(); ++k) {
      const auto pos = static_cast<size_t>(groups.positions[g][k]);
      if (!to[pos] || from[pos]) continue;
      ++runs;
      part.latency += groups.differences[g][k].latency, part.energy += groups.differences[g][k].energy;
    }
    if (runs == 0 || runs == groups.positions[g].size()) continue;
    extra.latency += std::max<Fixed>(0, part.latency), extra.energy += std::max<Fixed>(0, part.energy);
  }
  return extra;
}

bool Contains(const std::vector<bool>& outer, const std::vector<bool>& inner) {
  for (size_t pos = 0; pos < inner.size(); ++pos) {
    if (inner[pos] && !outer[pos]) return false;
  }
  return outer != inner;
}

TEST(FusionSplits, AgreeWithTheDirectSumsOnRandomChainsAndDags) {
  std::mt19937 rng(11);
  int64_t splits = 0, both_ends = 0;
  for (int round = 0; round < 400; ++round) {
    const bool chain = round % 2 == 0;
    const auto n = static_cast<int32_t>(3 + rng() % 40);
    const FusedGroupCosts groups = RandomGroups(n, rng);
    const Heads heads = RandomHeads(n, chain, rng);
    const FusionSplits table = SplitFusedGroups(HeadLayout{heads.begin, heads.end, heads.partial}, groups, n);
    const Direct direct = DirectTables(heads, groups);
    const size_t count = heads.in.size();
    ASSERT_EQ(table.begin.size(), count + 1) << "round " << round;
    for (size_t b = 0; b < count; ++b) {
      const std::vector<FusionSplit> got(table.splits.begin() + table.begin[b], table.splits.begin() + table.begin[b + 1]);
      EXPECT_EQ(got, direct.splits[b]) << "round " << round << " boundary " << b;
      EXPECT_EQ(table.in[b].latency, direct.in[b].latency) << "round " << round << " boundary " << b;
      EXPECT_EQ(table.in[b].energy, direct.in[b].energy);
      EXPECT_EQ(table.out[b].latency, direct.out[b].latency) << "round " << round << " boundary " << b;
      EXPECT_EQ(table.out[b].energy, direct.out[b].energy);
      splits += static_cast<int64_t>(got.size());
    }
    for (size_t from = 0; from < count; ++from) {
      for (size_t to = 0; to < count; ++to) {
        if (!Contains(heads.in[to], heads.in[from])) continue;
        const FixedCost want = DirectExtra(heads.in[from], heads.in[to], groups);
        const FixedCost got = table.StageExtra(static_cast<int>(from), static_cast<int>(to));
        EXPECT_EQ(got.latency, want.latency) << "round " << round << " stage " << from << " -> " << to;
        EXPECT_EQ(got.energy, want.energy) << "round " << round << " stage " << from << " -> " << to;
        for (int32_t s = table.begin[from]; s < table.begin[from + 1]; ++s) {
          for (int32_t t = table.begin[to]; t < table.begin[to + 1]; ++t) {
            both_ends += table.splits[static_cast<size_t>(s)].group == table.splits[static_cast<size_t>(t)].group;
          }
        }
      }
    }
  }
  // The random cases did split groups, also at both ends of a stage.
  EXPECT_GT(splits, 1000);
  EXPECT_GT(both_ends, 100);
}

TEST(FusionSplits, NoGroupsMeansNoSplitsAndNoExtra) {
  const std::vector<int32_t> begin = {0, 2, 4}, end = {0, 2, 4};
  const std::vector<std::vector<bool>> partial(3);
  const FusionSplits table = SplitFusedGroups(HeadLayout{begin, end, partial}, FusedGroupCosts{}, 4);
  EXPECT_TRUE(table.splits.empty());
  EXPECT_EQ(table.begin, std::vector<int32_t>(4, 0));
  EXPECT_EQ(table.StageExtra(0, 2).latency, 0);
}

}  // namespace
}  // namespace dnnpart::planner_detail
