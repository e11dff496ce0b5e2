#include "nearest_names.h"

#include <algorithm>
#include <cctype>

namespace dnnpart {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      const size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

std::vector<std::string> NearestNames(const std::string& name, std::vector<std::string> candidates, size_t count) {
  std::vector<std::pair<size_t, std::string>> scored;
  scored.reserve(candidates.size());
  for (std::string& c : candidates) scored.emplace_back(EditDistance(name, c), std::move(c));
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> nearest;
  for (size_t i = 0; i < scored.size() && i < count; ++i) nearest.push_back(scored[i].second);
  return nearest;
}

}  // namespace dnnpart
