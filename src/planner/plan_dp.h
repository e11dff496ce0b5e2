// Private to the planner's dynamic programs (plan_dp.cc, plan_dp_single.cc):
// how a search state is keyed, and the arrays labels live in.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dnnpart/error.h"

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
  // Number of distinct counts (1 in --platforms order, where there are none).
  int64_t CountsSize() const { return any_order_ ? static_cast<int64_t>(radix_) : 1; }
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
  // True when `covered` holds for the key of a state that used one device
  // fewer of some type and ended on the same type (with --any-order).
  template <class Covered>
  bool AnyWithOneFewer(int64_t key, Covered covered) const {
    const int64_t counts = Counts(key);
    const int last = Last(key);
    for (size_t t = 0; t < limit_.size(); ++t) {
      const int k = Used(counts, t);
      if (k == 0 || (static_cast<int>(t) == last && k == 1)) continue;
      if (covered(Key(Remove(counts, t), last))) return true;
    }
    return false;
  }

 private:
  bool any_order_;
  size_t platforms_;
  double radix_ = 1;
  std::vector<double> stride_;
  std::vector<int> limit_;
};

// An append-only array whose elements never move: a lane appends while the
// others read what it wrote before the last boundary. Runs of elements
// appended together stay contiguous: a run that does not fit in what is left
// of a chunk starts a fresh one, and one longer than a chunk gets a block of
// consecutive chunks. The chunk table is reserved once, so it never moves
// either.
template <class T>
class StableArena {
 public:
  StableArena() { chunks_.reserve(kMaxChunks); }
  int32_t Append(const T* first, size_t count) {
    if (count == 0) return static_cast<int32_t>(size_);
    const size_t offset = size_ & (kChunk - 1);
    if (offset != 0 && offset + count > kChunk) size_ += kChunk - offset;
    const size_t slots = (size_ + count - 1) / kChunk + 1;  // chunks up to the run's end
    if (slots > chunks_.size()) {
      if (slots > kMaxChunks) throw Error("the search keeps more than 2^31 open loads or labels");
      const size_t begin = chunks_.size();
      blocks_.push_back(std::make_unique<T[]>((slots - begin) * kChunk));
      for (size_t j = begin; j < slots; ++j) chunks_.push_back(blocks_.back().get() + (j - begin) * kChunk);
    }
    const size_t at = size_;
    std::copy(first, first + count, At(at));
    size_ += count;
    return static_cast<int32_t>(at);
  }
  // Append(&value, 1), with its common case inline.
  int32_t Push(const T& value) {
    if ((size_ >> kChunkBits) < chunks_.size()) {
      *At(size_) = value;
      return static_cast<int32_t>(size_++);
    }
    return Append(&value, 1);
  }
  T* At(size_t i) { return chunks_[i >> kChunkBits] + (i & (kChunk - 1)); }
  const T* At(size_t i) const { return chunks_[i >> kChunkBits] + (i & (kChunk - 1)); }
  T& operator[](size_t i) { return *At(i); }
  const T& operator[](size_t i) const { return *At(i); }
  // One past the last element (a run's skipped tail of a chunk included).
  size_t size() const { return size_; }
  // Forgets the elements from `size` on (the chunks stay for reuse).
  void Truncate(size_t size) { size_ = std::min(size_, size); }

 private:
  static constexpr size_t kChunkBits = 12;
  static constexpr size_t kChunk = size_t{1} << kChunkBits;
  static constexpr size_t kMaxChunks = size_t{1} << 19;  // 2^31 elements: int32 indices
  std::vector<T*> chunks_;
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};

// How a search over lanes ends early: out of time (or a test's label
// budget), or on the first error a lane threw, kept to be rethrown.
class LaneStop {
 public:
  std::atomic<bool> now{false};
  // Keeps the exception being handled unless one is kept already, and
  // stops every lane.
  void Fail() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = std::current_exception();
    now = true;
  }
  void RethrowIfFailed() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
};

// Threads kept for the life of a planner, so that the rounds and passes of
// a search do not each start their own (thread start is what made the
// sanitized test runs slow).
class LanePool {
 public:
  LanePool() = default;
  LanePool(const LanePool&) = delete;
  LanePool& operator=(const LanePool&) = delete;
  ~LanePool();
  // Calls f(0) on this thread and f(1) ... f(count - 1) on the pool's, and
  // returns when every call has returned. f must not throw. Not reentrant.
  void Run(int count, const std::function<void(int)>& f);

 private:
  void Work(int me);
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;  // threads_[i] runs lane i + 1
  const std::function<void(int)>* job_ = nullptr;
  int job_lanes_ = 0;
  uint64_t generation_ = 0;  // one more per Run
  int busy_ = 0;             // pool threads still in this Run's job
  bool quit_ = false;
};

// Runs a search boundary by boundary over lanes (threads), each boundary in
// two steps: share(me, true), lane `me` checking its block of the
// boundary's labels, then share(me, false), each lane making the
// transitions into its own states. next() prepares the next boundary on
// one thread and returns how many labels it holds, or -1 when the search is
// over. With more than one lane each step is ended by a barrier whose
// completion prepares the next boundary; boundaries with fewer than `few`
// labels (most of them on long chains) are done there on one thread, every
// lane's share in turn, instead of paying two barriers each. share catches
// its own errors (LaneStop::Fail); one thrown by next() with more than one
// lane is kept in `stop` as well.
template <class Next, class Share>
void RunBoundaries(LanePool& pool, int lanes_count, double few, Next&& next, Share&& share, LaneStop& stop) {
  if (lanes_count == 1) {
    while (next() >= 0) {
      share(0, true);
      share(0, false);
    }
    return;
  }
  bool more = false;
  auto prepare = [&]() {
    for (;;) {
      const int64_t labels = next();
      more = labels >= 0;
      if (!more || static_cast<double>(labels) >= few) return;
      for (int me = 0; me < lanes_count; ++me) share(me, true);
      for (int me = 0; me < lanes_count; ++me) share(me, false);
    }
  };
  prepare();
  bool checking = true;
  std::barrier sync(lanes_count, [&]() noexcept {
    checking = !checking;
    if (!checking) return;
    try {
      prepare();
    } catch (...) {
      stop.Fail();
      more = false;
    }
  });
  auto run = [&](int me) {
    while (more) {
      share(me, checking);
      sync.arrive_and_wait();
    }
  };
  pool.Run(lanes_count, run);
}

// The lane (of `lanes_count`) that owns the states of `key`; key 0, the
// empty plan's, is lane 0's.
inline int LaneOwner(int64_t key, int lanes_count) {
  return lanes_count == 1 ? 0
                          : static_cast<int>((static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL >> 32) %
                                             static_cast<uint64_t>(lanes_count));
}

// a's open loads are no larger than b's, resource by resource (both sorted
// by resource; a resource missing from b has load 0 there).
inline bool LoadsNoWorse(const Load* a, int32_t a_count, const Load* b, int32_t b_count) {
  int32_t j = 0;
  for (int32_t i = 0; i < a_count; ++i) {
    while (j < b_count && b[j].resource < a[i].resource) ++j;
    if (j == b_count || b[j].resource != a[i].resource || a[i].busy > b[j].busy) return false;
  }
  return true;
}

}  // namespace dnnpart::planner_detail
