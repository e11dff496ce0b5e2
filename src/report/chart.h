// Private: a tiny SVG chart writer for the HTML report: a plot area with two
// labelled linear axes, appended to a string. Used by one thread at a time.
#pragma once

#include <string>

#include "report/svg.h"

namespace dnnpart::report_detail {

class Chart {
 public:
  // An SVG of width x height pixels with id `id`; `title` is its accessible name.
  Chart(std::string id, std::string title, int width, int height);

  // Sets the axes' domains and their labels (with units), and draws them; an
  // empty y label means rows (no y ticks).
  void Axes(double x_lo, double x_hi, const std::string& x_label, double y_lo, double y_hi, const std::string& y_label);

  double X(double value) const { return x_(value); }
  double Y(double value) const { return y_(value); }
  double left() const { return kLeft; }
  double right() const { return width_ - kRight; }
  double top() const { return kTop; }
  double bottom() const { return height_ - kBottom; }

  // Raw SVG markup inside the chart (the caller escapes text).
  Chart& Raw(const std::string& markup);

  // Returns the finished <svg> element.
  std::string Finish() const;

  static constexpr double kLeft = 70, kRight = 20, kTop = 20, kBottom = 50;

 private:
  std::string id_, title_;
  int width_, height_;
  LinearScale x_{0, 1, 0, 1}, y_{0, 1, 0, 1};
  std::string body_;
};

// "<title>text</title>" with `text` escaped: the tooltip of its parent element.
std::string Tooltip(const std::string& text);

}  // namespace dnnpart::report_detail
