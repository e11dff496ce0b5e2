// Private: Kahn's algorithm that keeps file order. Among the nodes ready at
// any moment the lowest index goes first, so a list that is already sorted
// keeps its order. Serves the shape-inference driver (ONNX nodes) and
// LayerGraph (layers).
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace dnnpart {

// `successors[v]` lists the nodes that wait for v (repeats allowed);
// `pending[v]` must be the number of entries naming v across all lists.
// Returns the nodes it could place, in order. Nodes on a cycle, or behind
// one, are left out and keep pending[v] > 0.
inline std::vector<int32_t> StableTopologicalOrder(const std::vector<std::vector<int32_t>>& successors,
                                                   std::vector<int32_t>& pending) {
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<>> ready;
  for (size_t v = 0; v < pending.size(); ++v) {
    if (pending[v] == 0) ready.push(static_cast<int32_t>(v));
  }
  std::vector<int32_t> order;
  order.reserve(pending.size());
  while (!ready.empty()) {
    const int32_t v = ready.top();
    ready.pop();
    order.push_back(v);
    for (int32_t next : successors[static_cast<size_t>(v)]) {
      if (--pending[static_cast<size_t>(next)] == 0) ready.push(next);
    }
  }
  return order;
}

}  // namespace dnnpart
