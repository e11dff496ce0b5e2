#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dnnpart::report_detail {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters are not allowed in HTML text; show them as U+FFFD.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += "&#xFFFD;";
        else out.push_back(c);
    }
  }
  return out;
}

std::string DotEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out.push_back(c);
  }
  return out;
}

std::string Num(double value, int digits) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "nan";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

std::string Fixed(double value, int decimals) {
  if (!std::isfinite(value)) return Num(value);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  size_t unit = 0;
  while (std::fabs(bytes) >= 1000 && unit + 1 < std::size(units)) {
    bytes /= 1000;
    ++unit;
  }
  return Num(bytes, 4) + " " + units[unit];
}

std::vector<double> NiceTicks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(count, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

const char* PaletteColor(size_t i) {
  static const char* const kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948",
                                        "#76b7b2", "#ff9da7", "#9c755f", "#bab0ac", "#e15759"};
  return kColors[i % std::size(kColors)];
}

std::string RampColor(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const auto mix = [t](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", mix(0x2c, 0xd6) & 0xff, mix(0x7b, 0x27) & 0xff,
                mix(0xb6, 0x28) & 0xff);
  return buffer;
}

LinearScale::LinearScale(double domain_lo, double domain_hi, double range_lo, double range_hi)
    : d0_(domain_lo), d1_(domain_hi), r0_(range_lo), r1_(range_hi) {
  if (!(d1_ > d0_)) d1_ = d0_ + 1;
}

double LinearScale::operator()(double value) const { return r0_ + (value - d0_) / (d1_ - d0_) * (r1_ - r0_); }

}  // namespace dnnpart::report_detail
