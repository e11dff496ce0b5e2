#include <gtest/gtest.h>

#include "dnnpart/error.h"
#include "dnnpart/profiles.h"
#include "test_util.h"

namespace dnnpart {
namespace {

std::string Fixture(const std::string& name) { return test::SourcePath("tests/data/profiles/" + name); }

std::string LoadError(const std::string& name) {
  try {
    LoadPlatformProfile(Fixture(name));
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Profiles, ReadsEveryPlatformField) {
  const PlatformProfile p = LoadPlatformProfile(Fixture("good_a.json"));
  EXPECT_EQ(p.name, "test_a");
  EXPECT_EQ(p.data_type, DType::kFloat32);
  EXPECT_DOUBLE_EQ(p.peak(), 1.0e9);
  EXPECT_DOUBLE_EQ(p.default_efficiency, 0.5);
  EXPECT_DOUBLE_EQ(p.efficiency.at("Conv"), 0.25);
  EXPECT_DOUBLE_EQ(p.layer_overhead_ms, 0.01);
  EXPECT_DOUBLE_EQ(p.memory_capacity_bytes, 1.0e6);
  EXPECT_TRUE(p.power_in_watts);
  EXPECT_DOUBLE_EQ(p.idle_w, 0.5);
  EXPECT_EQ(p.default_link, Fixture("link_fast.json"));  // resolved next to the profile
  EXPECT_EQ(p.missing_layers, MissingLayers::kEstimate);
}

TEST(Profiles, ReadsMeasuredTableAndPerOperationEnergy) {
  const PlatformProfile p = LoadPlatformProfile(Fixture("good_b.json"));
  EXPECT_EQ(p.data_type, DType::kInt8);
  EXPECT_FALSE(p.power_in_watts);
  EXPECT_DOUBLE_EQ(p.energy_per_byte_pj, 20.0);
  ASSERT_EQ(p.layer_table.size(), 2U);
  EXPECT_DOUBLE_EQ(p.layer_table.at("c1").latency_ms, 0.05);
}

TEST(Profiles, ReadsFusedGroupsAndUnfusedMeasurements) {
  const PlatformProfile p = LoadPlatformProfile(Fixture("fused_groups.json"));
  ASSERT_EQ(p.fused_groups.size(), 1U);
  EXPECT_EQ(p.fused_groups[0], (std::vector<std::string>{"c1", "c2"}));
  EXPECT_FALSE(p.layer_table.at("c1").unfused_latency_ms.has_value());
  EXPECT_DOUBLE_EQ(p.layer_table.at("c2").unfused_latency_ms.value_or(0), 0.02);
  EXPECT_DOUBLE_EQ(p.layer_table.at("c2").unfused_energy_mj, 0.004);
}

TEST(Profiles, NodeInTwoFusedGroupsNamesFileAndGroup) {
  const std::string message = LoadError("bad_fused_twice.json");
  EXPECT_EQ(message.rfind(Fixture("bad_fused_twice.json"), 0), 0U) << message;
  EXPECT_NE(message.find("/layers/fused_groups/1/1: node 'c2' is already in fused group 0"), std::string::npos)
      << message;
}

TEST(Profiles, ReadsLinkFraming) {
  const LinkProfile l = LoadLinkProfile(Fixture("link_fast.json"));
  EXPECT_EQ(l.payload_bytes_per_frame, 1500);
  EXPECT_EQ(l.overhead_bytes_per_frame, 26);
  EXPECT_EQ(l.min_payload_bytes, 46);
  EXPECT_DOUBLE_EQ(l.power_w, 0.5);
  EXPECT_FALSE(l.transfer_data_type.has_value());
}

TEST(Profiles, BadFieldsNameFileAndJsonPath) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"bad_missing_field.json", "/memory/capacity_bytes: required field is missing"},
      {"bad_negative.json", "/compute/peak_macs_per_s/float32: must be positive"},
      {"bad_wrong_type.json", "/memory/bandwidth_bytes_per_s: must be a number"},
      {"bad_efficiency.json", "/compute/efficiency/default"},
      {"bad_data_type.json", "/compute/data_type"},
      {"bad_not_json.json", "not valid JSON"},
      {"bad_kind.json", "/kind"},
      {"missing.json", "cannot open"},
  };
  for (const auto& [file, fault] : cases) {
    const std::string message = LoadError(file);
    EXPECT_EQ(message.rfind(Fixture(file), 0), 0U) << message;
    EXPECT_NE(message.find(fault), std::string::npos) << file << ": " << message;
  }
}

TEST(Profiles, ZeroBandwidthLinkIsRejected) {
  try {
    LoadLinkProfile(Fixture("link_zero_bandwidth.json"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/bandwidth_bytes_per_s: must be positive"), std::string::npos) << e.what();
  }
}

TEST(Profiles, UnknownKeysOnlyWarn) {
  EXPECT_NO_THROW(LoadPlatformProfile(Fixture("unknown_keys.json")));
}

TEST(Profiles, ResolveLinksUsesOverridesThenDefaults) {
  const std::vector<PlatformProfile> platforms{LoadPlatformProfile(Fixture("good_a.json")),
                                               LoadPlatformProfile(Fixture("no_link.json"))};
  const auto defaults = ResolveLinks(platforms, {});
  ASSERT_TRUE(defaults[0].has_value());
  EXPECT_EQ(defaults[0]->name, "test_link");
  EXPECT_FALSE(defaults[1].has_value());
  const auto one = ResolveLinks(platforms, {Fixture("link_fast.json")});
  EXPECT_TRUE(one[0].has_value() && one[1].has_value());  // a single --link applies to every platform
  EXPECT_THROW(ResolveLinks(platforms, {Fixture("link_fast.json"), Fixture("link_fast.json"), Fixture("link_fast.json")}),
               Error);
}

TEST(Profiles, BundledProfilesAllLoad) {
  for (const char* name : {"eyeriss_like", "simba_like", "jetson_orin_nano_8gb", "jetson_nano_4gb", "raspberry_pi_4",
                           "raspberry_pi_5", "coral_usb"}) {
    const PlatformProfile p = LoadPlatformProfile(test::SourcePath(std::string("platforms/") + name + ".json"));
    EXPECT_FALSE(p.source.empty()) << name;
    ASSERT_FALSE(p.default_link.empty()) << name;
    EXPECT_NO_THROW(LoadLinkProfile(p.default_link)) << name;
  }
  for (const char* name : {"ethernet_1g_paper", "ethernet_1g", "ethernet_100m", "wifi_5", "usb3"}) {
    EXPECT_FALSE(LoadLinkProfile(test::SourcePath(std::string("platforms/") + name + ".json")).source.empty());
  }
}

}  // namespace
}  // namespace dnnpart
