// Private: a map from names (string views) to int32 ids, for the lookups the
// loader and the layer graph build once over tens of thousands of names.
//
// Open addressing with linear probing in one flat array: no allocation per
// entry, one cache line per probe. Entries are never erased. The viewed
// strings must outlive the map.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace dnnpart {

class NameMap {
 public:
  // Makes room for `count` names without rehashing.
  void Reserve(size_t count) {
    size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    if (capacity > slots_.size()) Rehash(capacity);
  }

  // Maps `name` to `id` unless it is mapped already. Returns the id now
  // stored for `name` and whether it was inserted.
  std::pair<int32_t, bool> Emplace(std::string_view name, int32_t id) {
    if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 16 : slots_.size() * 2);
    for (size_t i = Hash(name) & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id < 0) {
        slot = {name.data(), static_cast<uint32_t>(name.size()), id};
        ++size_;
        return {id, true};
      }
      if (slot.View() == name) return {slot.id, false};
    }
  }

  // The id of `name`, or -1.
  int32_t Find(std::string_view name) const {
    if (slots_.empty()) return -1;
    for (size_t i = Hash(name) & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.View() == name) return slot.id;
    }
  }

  size_t size() const { return size_; }

 private:
  // 16 bytes: the table is touched once per name, and fresh pages are costly.
  // Names longer than 4 GB cannot occur (protobuf messages stay under 2 GB).
  struct Slot {
    const char* data = nullptr;
    uint32_t length = 0;
    int32_t id = -1;  // -1: empty
    std::string_view View() const { return {data, length}; }
  };

  static size_t Hash(std::string_view name) { return std::hash<std::string_view>{}(name); }

  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.id < 0) continue;
      size_t i = Hash(slot.View()) & mask_;
      while (slots_[i].id >= 0) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
};

}  // namespace dnnpart
