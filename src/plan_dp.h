// Private to the planner's dynamic programs (plan_dp.cc, plan_dp_single.cc):
// how a search state is keyed.
#pragma once

#include <cstdint>
#include <vector>

#include "planner.h"

namespace dnnpart::planner_detail {

// The search state's key: with any_order, counts per type (mixed radix) and
// the last type; in --platforms order, the last platform. 0 is the empty plan.
class StateKeys {
 public:
  StateKeys(bool any_order, const std::vector<std::vector<int>>& instances, size_t platforms)
      : any_order_(any_order), platforms_(platforms) {
    for (const auto& of_type : instances) {
      stride_.push_back(radix_);
      radix_ *= static_cast<double>(of_type.size() + 1);
      limit_.push_back(static_cast<int>(of_type.size()));
    }
  }
  // Number of keys; a double since it can be astronomically large.
  double Size() const {
    return any_order_ ? radix_ * static_cast<double>(limit_.size() + 1) : static_cast<double>(platforms_ + 1);
  }
  int64_t Key(int64_t counts, int last) const {
    return any_order_ ? counts * static_cast<int64_t>(limit_.size() + 1) + last + 1 : last + 1;
  }
  int64_t Counts(int64_t key) const { return any_order_ ? key / static_cast<int64_t>(limit_.size() + 1) : 0; }
  int Last(int64_t key) const {
    return static_cast<int>(any_order_ ? key % static_cast<int64_t>(limit_.size() + 1) : key) - 1;
  }
  int Used(int64_t counts, size_t type) const {
    return static_cast<int>((counts / static_cast<int64_t>(stride_[type])) % (limit_[type] + 1));
  }
  int64_t Add(int64_t counts, size_t type) const { return counts + static_cast<int64_t>(stride_[type]); }
  int64_t Remove(int64_t counts, size_t type) const { return counts - static_cast<int64_t>(stride_[type]); }

 private:
  bool any_order_;
  size_t platforms_;
  double radix_ = 1;
  std::vector<double> stride_;
  std::vector<int> limit_;
};

}  // namespace dnnpart::planner_detail
