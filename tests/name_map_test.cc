#include "name_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace dnnpart {
namespace {

TEST(NameMap, FindsWhatWasEmplacedAndKeepsTheFirstId) {
  NameMap map;
  EXPECT_EQ(map.Find("a"), -1);  // empty map
  EXPECT_EQ(map.Emplace("conv", 7), std::make_pair(7, true));
  EXPECT_EQ(map.Emplace("conv", 9), std::make_pair(7, false));
  EXPECT_EQ(map.Emplace("", 3), std::make_pair(3, true));  // the empty name is a name too
  EXPECT_EQ(map.Find("conv"), 7);
  EXPECT_EQ(map.Find(""), 3);
  EXPECT_EQ(map.Find("con"), -1);
  EXPECT_EQ(map.size(), 2u);
}

// Against std::map over many similar names, through several rehashes, with
// and without Reserve.
TEST(NameMap, AgreesWithStdMapThroughGrowth) {
  for (bool reserve : {false, true}) {
    std::mt19937 random(reserve ? 1 : 2);
    std::vector<std::string> names;
    for (int i = 0; i < 5000; ++i) names.push_back("layer" + std::to_string(random() % 3000) + "/conv");
    NameMap map;
    if (reserve) map.Reserve(names.size());
    std::map<std::string, int32_t> expected;
    for (size_t i = 0; i < names.size(); ++i) {
      const auto [id, added] = map.Emplace(names[i], static_cast<int32_t>(i));
      const auto [it, expected_added] = expected.emplace(names[i], static_cast<int32_t>(i));
      EXPECT_EQ(added, expected_added);
      EXPECT_EQ(id, it->second);
    }
    EXPECT_EQ(map.size(), expected.size());
    for (const auto& [name, id] : expected) EXPECT_EQ(map.Find(name), id);
    EXPECT_EQ(map.Find("layer3000/conv"), -1);
  }
}

}  // namespace
}  // namespace dnnpart
